"""The daily run does only the day's work (dimensions re-validated for what changed, marts
and the booking accounting skipped when their inputs did not change, occupancy written from
the month of the last `as_of` when only `as_of` moved; a deletion seen at the weekly full
pull) and leaves the
warehouse as a full rebuild on the same data does: every raw, staging, quarantine, core,
posting and marts table equal, row for row (`warehouse/checksums.py`; when and by which run
a row was written left out). `meta` is the runs' own bookkeeping and differs by design."""

import dagster as dg
import duckdb
import pytest

from ornd_visma.sandbox.dataset import read_dataset
from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
from ornd_visma.sandbox.server import running
from ornd_visma.sandbox.visma import VismaOptions, create_visma_app
from ornd_visma.warehouse.checksums import table_checksums
from resources.officernd import OfficeRnDResource
from resources.visma import VismaResource
from resources.warehouse import WarehouseResource
from tests.conftest import UNLIMITED
from tests.pipeline.conftest import FIRST_DAY, last_day

AS_OF = "2026-11-20"  # the generator's simulated today: the marts' as_of in the last runs
YESTERDAY = "2026-11-19"  # the marts' as_of before that
MART_OPS = ("recurring_revenue", "occupancy", "customer_lifetime")
COMPARED = ("raw", "staging", "quarantine", "core", "posting", "marts")


def _run(
    resources: dict, start: str, end: str, as_of: str = AS_OF
) -> dg.ExecuteInProcessResult:
    from ornd_visma.definitions import defs

    return defs.resolve_job_def("daily_books").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {op: {"config": {"as_of": as_of}} for op in MART_OPS}},
        tags={
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end,
            "ornd_visma/dry_run": "true",
        },
        resources=resources,
        raise_on_error=False,
    )


def _checksums(path) -> dict[str, list]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return table_checksums(conn, COMPARED)
    finally:
        conn.close()


def _materialized(result: dg.ExecuteInProcessResult, key: list[str]) -> dict:
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(key)
    ]
    return event.materialization.metadata


@pytest.fixture(scope="module")
def served(small_dir, tmp_path_factory):
    """The small dataset behind its own simulator (this module edits it) and a Visma."""
    state = tmp_path_factory.mktemp("daily_rebuild_state")
    app = create_officernd_app(small_dir, state, OfficeRnDOptions(**UNLIMITED))
    visma = create_visma_app(tmp_path_factory.mktemp("daily_rebuild_visma"), VismaOptions())
    with running(app) as url, running(visma) as visma_url:
        yield app, read_dataset(small_dir), {
            "officernd": OfficeRnDResource(
                api_url=f"{url}/api/v2", auth_url=url, org_slug="sandbox",
                client_id="sandbox", client_secret="sandbox",
            ),
            "visma": VismaResource(
                api_url=f"{visma_url}/v2", auth_url=visma_url, client_id="sandbox",
                client_secret="sandbox", state_dir=str(state),
            ),
        }  # fmt: skip


def test_a_daily_run_after_edits_equals_a_full_rebuild(served, tmp_path):
    app, dataset, resources = served
    daily, rebuilt = tmp_path / "daily.duckdb", tmp_path / "rebuilt.duckdb"
    with_daily = {**resources, "warehouse": WarehouseResource(database=str(daily))}
    assert _run(with_daily, FIRST_DAY, last_day(), YESTERDAY).success
    # A day of nothing new: no mart rebuilt, same warehouse.
    before = _checksums(daily)
    quiet = _run(with_daily, last_day(), last_day(), YESTERDAY)
    assert quiet.success
    assert _materialized(quiet, ["marts", "occupancy_daily"])["rebuilt"].value is False
    assert _materialized(quiet, ["marts", "mrr_monthly"])["rebuilt"].value is False
    assert _checksums(daily) == before
    # OfficeRnD edits a live membership's price and a member's name, then the daily run.
    store = app.state.simulator.store
    store.advance_clock(3600)
    membership = next(
        m for m in dataset["memberships"]
        if m.get("status") == "approved" and not m.get("endDate") and m.get("price")
    )  # fmt: skip
    store.patch("memberships", membership["_id"], {"price": membership["price"] + 100})
    member = dataset["members"][0]
    store.patch("members", member["_id"], {"name": "Åsa Öberg-Ny"})
    # ... a new company, and another member moves to it: the tables checked against
    # companies see an id more (re-validated in part: warehouse/reference_changes.py)
    stamps = ("_id", "createdAt", "modifiedAt")
    company = {k: v for k, v in dataset["companies"][0].items() if k not in stamps}
    new_company = store.add("companies", {**company, "name": "Nybolaget AB"})["_id"]
    store.patch("members", dataset["members"][1]["_id"], {"company": new_company})
    # ... and deletes the latest booking (in the daily run's window, which is open-ended);
    # a week has passed since the last full pulls (moved back 7 days), so they are due.
    booking = max(dataset["bookings"], key=lambda b: b["start"])
    assert booking["start"][:10] >= last_day()
    store.delete("bookings", booking["_id"])
    conn = duckdb.connect(str(daily))
    conn.execute("UPDATE meta.extract_state SET last_full_at = last_full_at - INTERVAL 7 DAY")
    conn.close()
    edited = _run(with_daily, last_day(), last_day(), YESTERDAY)
    assert edited.success
    assert _materialized(edited, ["raw", "bookings"])["dropped_as_deleted"].value == 1
    conn = duckdb.connect(str(daily), read_only=True)
    assert conn.execute(
        "SELECT count(*) FROM meta.staged_references WHERE collection = 'members' "
        "AND kind = 'companies' AND item = ?",
        [new_company],
    ).fetchall() == [(1,)]  # the members were validated against the new company
    conn.close()
    assert _materialized(edited, ["marts", "mrr_monthly"])["rebuilt"].value is True
    assert _materialized(edited, ["marts", "vat_return_monthly"])["rebuilt"].value is False
    # The next day: as_of moves, nothing else; occupancy keeps the months before November.
    next_day = _run(with_daily, last_day(), last_day())
    assert next_day.success
    occupancy = _materialized(next_day, ["marts", "occupancy_daily"])
    assert occupancy["rebuilt_from"].value == "2026-11-01"
    # The same data built from nothing.
    assert _run(
        {**resources, "warehouse": WarehouseResource(database=str(rebuilt))},
        FIRST_DAY,
        last_day(),
    ).success
    ours, theirs = _checksums(daily), _checksums(rebuilt)
    assert ours.keys() == theirs.keys()
    differ = {t: (ours[t], theirs[t]) for t in ours if ours[t] != theirs[t]}
    assert differ == {}
    assert ours != before  # the edits did reach the warehouse
