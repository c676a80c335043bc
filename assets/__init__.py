"""The Dagster asset graph: thin assets that read inputs, call the core and write outputs."""

from assets.books import (
    booking_accounting,
    invoice_books,
    revenue_accruals,
    revenue_deferrals,
)
from assets.extract import officernd_raw
from assets.jobs import books_job, daily_schedule
from assets.marts import (
    MART_CHECKS,
    customer_lifetime,
    margin,
    mrr_report_in_visma,
    occupancy,
    recurring_revenue,
    revenue,
    vat_return,
)
from assets.partitions import daily_partitions
from assets.posting import visma_deferral_vouchers, visma_postings
from assets.publish import warehouse_snapshot
from assets.sensors import late_changes, run_failures
from assets.staging import officernd_staging_dimensions, officernd_staging_facts

ALL_ASSETS = [
    officernd_raw,
    officernd_staging_dimensions,
    officernd_staging_facts,
    invoice_books,
    revenue_deferrals,
    revenue_accruals,
    booking_accounting,
    recurring_revenue,
    occupancy,
    revenue,
    customer_lifetime,
    margin,
    vat_return,
    visma_postings,
    visma_deferral_vouchers,
    mrr_report_in_visma,
    warehouse_snapshot,
]
# Asset checks defined apart from their asset (they read what a later asset wrote).
ALL_CHECKS = [*MART_CHECKS]
JOBS = [books_job]
SCHEDULES = [daily_schedule]
SENSORS = [late_changes, run_failures]

__all__ = ["ALL_ASSETS", "ALL_CHECKS", "JOBS", "SCHEDULES", "SENSORS", "daily_partitions"]
