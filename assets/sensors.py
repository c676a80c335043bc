"""Sensors: late changes re-validated, and failed runs told to a human.

Late changes: an invoice edited in OfficeRnD a week after its date is pulled by the next
extraction (incrementally, by `modifiedAt`), which notes its business date in
`meta.touched_partitions`; this sensor then asks for the fact partitions of those dates to be
validated again, one run per run of consecutive days.

Failed runs: `run_failures` (Dagster's own `run_failure_sensor`) appends one line per failed
run to the run-failure log and, when configured, a webhook (`ornd_visma/alerts.py`)."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.jobs import books_job
from assets.partitions import daily_partitions
from assets.staging import staging_key
from ornd_visma.alerts import failure_line, tell
from ornd_visma.warehouse.raw import touched_partitions
from ornd_visma.warehouse.staging import FACTS


def day_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days folded into inclusive ranges."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


@dg.sensor(
    job=books_job,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-validates the fact partitions whose records changed in OfficeRnD after "
    "their day was processed.",
)
def late_changes(context: dg.SensorEvaluationContext, warehouse: DuckDBResource):
    try:
        conn = duckdb.connect(warehouse.database, read_only=True)
    except (duckdb.IOException, duckdb.CatalogException) as error:
        return dg.SkipReason(f"warehouse not readable now ({error}); trying again later")
    try:
        touched = touched_partitions(conn)
    except duckdb.CatalogException:
        return dg.SkipReason("nothing extracted yet")
    finally:
        conn.close()
    first = date.fromisoformat(daily_partitions.get_first_partition_key())
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    days = [day for _, day in touched if first <= day <= last]
    if not days:
        return dg.SkipReason("no late changes")
    return [
        dg.RunRequest(
            run_key=f"late-changes-{start}-{end}-{len(touched)}",
            asset_selection=[staging_key(f) for f in FACTS],
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
            },
        )
        for start, end in day_ranges(days)
    ]


@dg.run_failure_sensor(
    name="run_failures",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes each failed run, with its error, to the run-failure log a person reads "
    "(ORND_VISMA_ALERT_LOG, default <state dir>/run-failures.log) and, when "
    "ORND_VISMA_ALERT_WEBHOOK is set, POSTs it there (Slack/Teams incoming-webhook body).",
)
def run_failures(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    error = context.failure_event.message or "the run failed"
    failed_steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    if failed_steps:
        error = f"{error} (steps: {', '.join(failed_steps)})"
    line = failure_line(datetime.now(UTC), run.job_name, run.run_id, error)
    for problem in tell(line):
        context.log.warning(problem)
