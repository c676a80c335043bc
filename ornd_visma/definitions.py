"""The Dagster code location (loaded by workspace.yaml and `dagster dev`).

This is the one module of `ornd_visma` that imports Dagster: it wires the asset graph
(`assets/`) and the resources (`resources/`) together, and launches runs for the CLI. Steps
run in process: DuckDB takes one writer at a time.
"""

import os
from datetime import date
from pathlib import Path

import dagster as dg

from assets import ALL_ASSETS, ALL_CHECKS, JOBS, SCHEDULES, SENSORS
from resources import build_resources

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=build_resources(),
    executor=dg.in_process_executor,
)


def project_instance() -> dg.DagsterInstance:
    """The project's own instance (`DAGSTER_HOME`, default `./.dagster_home`)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path.cwd() / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.get()


def launch_range(
    start: date, end: date, *, dry_run: bool = False, log_level: str = "WARNING"
) -> dg.ExecuteInProcessResult:
    """One real run of the daily job over the partitions `start`..`end` (inclusive),
    recorded in the project's instance so it shows in the UI like a UI backfill. The console
    shows `log_level` and above; the UI keeps every event."""
    job = defs.resolve_job_def("daily_books")
    return job.execute_in_process(
        instance=project_instance(),
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
            "ornd_visma/dry_run": str(dry_run).lower(),
        },
        raise_on_error=False,
    )
