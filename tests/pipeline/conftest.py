"""A sandbox and a fresh warehouse for real Dagster runs of the pipeline."""

import functools
import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
from ornd_visma.sandbox.server import running
from resources.officernd import OfficeRnDResource
from tests.conftest import UNLIMITED

# The small dataset's facts start with the bill run of 27 July 2026; the run goes to the
# latest partition (yesterday), whose window also holds future bookings.
FIRST_DAY = "2026-07-01"


def last_day() -> str:
    """The latest partition, read when a run starts (a module constant went stale when a
    session crossed midnight UTC: the range stopped being the open-ended latest window)."""
    return (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def officernd(defects_small_dir, tmp_path_factory):
    """The simulator serving the small dataset with defects; yields (resource, app)."""
    state = tmp_path_factory.mktemp("officernd_state")
    app = create_officernd_app(defects_small_dir, state, OfficeRnDOptions(**UNLIMITED))
    with running(app) as base_url:
        yield (
            OfficeRnDResource(
                api_url=f"{base_url}/api/v2",
                auth_url=base_url,
                org_slug="sandbox",
                client_id="sandbox",
                client_secret="sandbox",
            ),
            app,
        )


def run_range(resources: dict, start: str, end: str, instance=None, groups: tuple = ()):
    """A run of the daily job over days `start`..`end`, or of the asset `groups` only."""
    tags = {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}
    return _job(groups).execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        tags=tags,
        resources=resources,
        raise_on_error=False,
    )


@functools.cache
def _job(groups: tuple[str, ...]) -> dg.JobDefinition:
    from ornd_visma.definitions import defs

    if not groups:
        return defs.resolve_job_def("daily_books")
    # A job of its own in the project's definitions: an `asset_selection` on the daily job
    # refuses resources that differ from the bound ones, a job's own resources may be replaced.
    selected = dg.define_asset_job("selected", selection=dg.AssetSelection.groups(*groups))
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[selected])).resolve_job_def("selected")


def warehouse_at(path: Path) -> DuckDBResource:
    return DuckDBResource(database=str(path))


os.environ.setdefault("ORND_VISMA_START_DATE", "2024-11-01")
