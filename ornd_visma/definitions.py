"""The Dagster code location (loaded by workspace.yaml and `dagster dev`).

This is the one module of `ornd_visma` that imports Dagster: it wires the asset graph
(`assets/`) and the resources (`resources/`) together, and launches runs for the CLI. Steps
run in process: DuckDB takes one writer at a time.
"""

import logging
import os
import shutil
from datetime import date
from pathlib import Path

import dagster as dg

from assets import ALL_ASSETS, ALL_CHECKS, JOBS, SCHEDULES, SENSORS
from ornd_visma.config import warehouse_path
from ornd_visma.progress import Progress
from ornd_visma.runlock import exclusive, run_lock
from resources import build_resources

INSTANCE_SETTINGS = Path(__file__).with_name("dagster.yaml")



class _ProgressHandler(logging.Handler):
    """Feeds the run's Dagster events to a terminal `Progress`."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is None:
            return
        data = event.event_specific_data
        materialization = getattr(data, "materialization", None)
        metadata = materialization.metadata if materialization is not None else None
        asset = materialization.asset_key.to_user_string() if materialization else None
        self.progress.event(event.event_type_value, event.step_key, metadata, asset)


@dg.logger(
    {"steps": dg.Field(int, default_value=0)},
    description="Step N of M and the figures a person waits for, on the terminal",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("ornd_visma.progress", level=logging.DEBUG)
    logger.addHandler(_ProgressHandler(Progress(init_context.logger_config["steps"])))
    return logger


defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=build_resources(),
    executor=dg.in_process_executor,
    loggers={"console": dg.default_loggers()["console"], "progress": progress_logger},
)


def project_instance() -> dg.DagsterInstance:
    """The project's own instance (`DAGSTER_HOME`, default `./.dagster_home`). A home without
    a `dagster.yaml` gets the project's (the DuckDB pool of one, run queue, retries), and the
    instance's storage is created under a lock: two first runs at once would otherwise race
    on the sqlite schema migration."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path.cwd() / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    with exclusive(home / ".setup.lock", "the Dagster instance", wait=True):
        if not (home / "dagster.yaml").exists():
            shutil.copyfile(INSTANCE_SETTINGS, home / "dagster.yaml")
        instance = dg.DagsterInstance.get()
        instance.get_runs_count()  # opens (and on first use migrates) the run storage
    return instance


def launch_range(
    start: date,
    end: date,
    *,
    dry_run: bool = False,
    log_level: str = "WARNING",
    run_id: str | None = None,
    progress: bool = False,
) -> dg.ExecuteInProcessResult:
    """One real run of the daily job over the partitions `start`..`end` (inclusive),
    recorded in the project's instance so it shows in the UI like a UI backfill. The console
    shows `log_level` and above; the UI keeps every event. A second run on the same
    warehouse while one is going raises `runlock.Busy` before anything starts."""
    job = defs.resolve_job_def("daily_books")
    warehouse = warehouse_path()
    loggers: dict = {"console": {"config": {"log_level": log_level}}}
    if progress:
        loggers["progress"] = {"config": {"steps": len(job.graph.nodes)}}
    with exclusive(run_lock(warehouse), f"the warehouse {warehouse}"):
        return job.execute_in_process(
            instance=project_instance(),
            # from the environment as it is now, not as it was when this module was imported
            resources=build_resources(),
            run_id=run_id,
            run_config={"loggers": loggers},
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
                "ornd_visma/dry_run": str(dry_run).lower(),
            },
            raise_on_error=False,
        )


def unreachable_companies(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """The Visma companies the run's posting steps could not reach (entity -> why)."""
    out: dict[str, str] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        if materialization.asset_key.path[0] != "posting":
            continue
        value = materialization.metadata.get("unreachable_entities")
        out.update(getattr(value, "value", None) or {})
    return out


def failed_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    """`<step>: <error>` of each step that failed."""
    out = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        message = error.message.strip().splitlines()[-1] if error else "failed"
        out.append(f"{event.step_key}: {message}")
    return out


def canceled(run_id: str) -> None:
    """Mark a run stopped from outside (SIGINT, SIGTERM) as canceled, unless it ended."""
    instance = project_instance()
    run = instance.get_run_by_id(run_id)
    if run is not None and not run.is_finished:
        instance.report_run_canceled(run, message="stopped by a signal to ornd-visma run")
