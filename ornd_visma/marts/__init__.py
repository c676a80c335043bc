"""The marts: what analysts and finance read (occupancy, revenue, MRR, KPIs), rebuilt whole
from staging and `core.revenue_schedule`. Rules are plain functions here; set logic is in the
`.sql` files next to them. No Dagster: the assets in `assets/marts.py` call these."""
