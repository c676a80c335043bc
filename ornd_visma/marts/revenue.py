"""Recognised revenue by location and floor, per day and per month, with revenue per m² of
usable area and per occupied and available desk.

Read from `core.revenue_schedule` (the books' contract: each line's net revenue by service
day, only `ready` documents, signed: credit notes lower it), so these figures are the ones
in the books, not a second calculation.

Choices where the references are unsure:

* **Floor.** The schedule's `floor` is matched to OfficeRnD's floors by id, or by name within
  the location; revenue without a floor stays on `floor` NULL, in the location's total but
  on no floor.
* **Usable area** is the floor's `area` (m²), else the sum of its resources' areas (mm²); a
  location's is the sum of its floors. Rentable area (common areas allocated) is not known
  to OfficeRnD and is not attempted.
* **Per desk** uses the *desk revenue* (OfficeRnD's "resource revenue": the revenue classes
  in `DESK_REVENUE_CLASSES`, memberships and private offices) over the month's prorated
  occupied and available desks from `marts.occupancy_monthly`; per m² uses all revenue.
* **Months** are those the schedule covers (its first to its last service month): before
  the books' first document there is no revenue data, which is not zero revenue.
* `revenue_monthly.level` is `floor` (one row per floor, plus floor NULL for revenue not on
  a floor) or `location` (the location as a whole).
"""

from dataclasses import dataclass
from decimal import Decimal

import duckdb

from ornd_visma.marts.build import Build, rebuild
from ornd_visma.warehouse.tables import table_exists

DESK_REVENUE_CLASSES = ("membership", "private_office")
SCHEDULE = "core.revenue_schedule"
# The contract's columns of core.revenue_schedule, for an empty stand-in before the books run.
SCHEDULE_COLUMNS = {
    "document_id": "VARCHAR",
    "line_no": "INTEGER",
    "service_date": "DATE",
    "location": "VARCHAR",
    "floor": "VARCHAR",
    "entity": "VARCHAR",
    "cost_center_item_1": "VARCHAR",
    "cost_center_item_2": "VARCHAR",
    "account": "INTEGER",
    "revenue_class": "VARCHAR",
    "amount": "DECIMAL(18, 2)",
    "invoice_date": "DATE",
    "business_date": "DATE",
}


@dataclass(frozen=True)
class RevenueSummary:
    schedule_present: bool
    days: int
    revenue: Decimal
    build: Build


def build_revenue(
    conn: duckdb.DuckDBPyConnection, *, desk_classes: tuple[str, ...] = DESK_REVENUE_CLASSES
) -> RevenueSummary:
    """Rebuild `marts.revenue_daily` and `marts.revenue_monthly` in one transaction. Needs
    `marts.occupancy_monthly`; while `core.revenue_schedule` does not exist yet, the tables
    are built empty and `schedule_present` says so."""
    present = table_exists(conn, SCHEDULE)
    if present:
        source = f"SELECT * FROM {SCHEDULE}"
    else:
        columns = ", ".join(f"NULL::{kind} AS {name}" for name, kind in SCHEDULE_COLUMNS.items())
        source = f"SELECT {columns} WHERE false"
    built = rebuild(
        conn,
        "revenue.sql",
        ["revenue_daily", "revenue_monthly"],
        variables={"marts_desk_classes": (list(desk_classes), "VARCHAR[]")},
        views={"_revenue_source": source},
    )
    ((days, revenue),) = conn.execute(
        "SELECT count(DISTINCT date), coalesce(sum(amount), 0) FROM marts.revenue_daily"
    ).fetchall()
    return RevenueSummary(present, days, revenue, built)
