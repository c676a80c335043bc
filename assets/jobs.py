"""The daily job and its schedule: yesterday's partition, at an hour set by
`ORND_VISMA_SCHEDULE_HOUR` (UTC, default 3)."""

import os

import dagster as dg

books_job = dg.define_asset_job(
    "daily_books",
    selection=dg.AssetSelection.all(),
    description="Extract OfficeRnD, validate, and build the books for a range of days.",
    tags={"dagster/max_retries": 1},
)

daily_schedule = dg.build_schedule_from_partitioned_job(
    books_job,
    hour_of_day=int(os.environ.get("ORND_VISMA_SCHEDULE_HOUR", "3")),
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
