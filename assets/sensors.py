"""Sensors: late changes re-validated, and failed runs told to a human.

Late changes: an invoice edited in OfficeRnD a week after its date is pulled by the next
extraction (incrementally, by `modifiedAt`), which notes its business date in
`meta.touched_partitions`; this sensor then asks for the fact partitions of those dates to be
validated again, as one single-run backfill from the first to the last such day. Only days
already processed count (a backfill of one month on a fresh warehouse leaves the rest of
history to the backfill that first covers it), and while a run of the job is in progress the
sensor waits: that run may take the changes in itself.

Failed runs: `run_failures` (Dagster's own `run_failure_sensor`) appends one line per failed
run to the run-failure log and, when configured, a webhook (`ornd_visma/alerts.py`)."""

from datetime import UTC, date, datetime

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.jobs import books_job
from assets.partitions import daily_partitions
from assets.staging import STAGING_FACTS
from ornd_visma.alerts import failure_line, tell
from ornd_visma.warehouse.raw import touched_partitions

# A run of the job in one of these states may still take in the late changes itself.
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def late_change_range(
    touched: list[date], done: set[str], first: date, last: date
) -> tuple[date, date] | None:
    """The one range of days to validate again: the touched days whose partitions were
    already processed (`done`: partition keys); a day never processed is not a late change,
    the backfill that first covers it takes it in. None when nothing is left."""
    days = [day for day in touched if first <= day <= last and day.isoformat() in done]
    return (min(days), max(days)) if days else None


@dg.sensor(
    job=books_job,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-validates, as one single-run backfill, the fact partitions already "
    "processed whose records changed in OfficeRnD afterwards; waits while a run of the job is "
    "in progress (it may take them in itself).",
)
def late_changes(context: dg.SensorEvaluationContext, warehouse: DuckDBResource):
    busy = context.instance.get_run_records(
        dg.RunsFilter(job_name=books_job.name, statuses=IN_PROGRESS), limit=1
    )
    if busy:
        return dg.SkipReason(f"run {busy[0].dagster_run.run_id} is in progress; waiting for it")
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
    done = context.instance.get_materialized_partitions(STAGING_FACTS)
    found = late_change_range([day for _, day in touched], done, first, last)
    if found is None:
        return dg.SkipReason("no late changes in days already processed")
    start, end = found
    return dg.RunRequest(
        run_key=f"late-changes-{start}-{end}-{len(touched)}",
        asset_selection=[STAGING_FACTS],
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        },
    )


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
