"""Real Dagster runs of extract + validate against the OfficeRnD simulator: every served record
ends in staging or quarantine, planted defects in quarantine, re-runs and ranges idempotent."""

import json
from collections import Counter
from datetime import UTC, datetime

import dagster as dg
import duckdb

from ornd_visma.officernd.collections import COLLECTIONS
from ornd_visma.sandbox.dataset import read_dataset, read_defects
from tests.pipeline.conftest import FIRST_DAY, last_day, run_range, warehouse_at

# What these tests are about is extraction and validation: the books, posting and marts are
# run (and asserted on) by tests/books and tests/posting.
STAGING = ("extract", "validate")


def run_staging(resources: dict, start: str, end: str, instance=None):
    return run_range(resources, start, end, instance, groups=STAGING)


def snapshot(path) -> dict[str, tuple[Counter, Counter]]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return {
            c.name: (
                Counter(
                    r[0]
                    for r in conn.execute(f"SELECT payload FROM staging.{c.table_name}").fetchall()
                ),
                Counter(
                    r
                    for r in conn.execute(
                        f"SELECT record_id, check_name, reason FROM quarantine.{c.table_name}"
                    ).fetchall()
                ),
            )
            for c in COLLECTIONS
        }
    finally:
        conn.close()


def test_definitions_load_and_describe_every_asset():
    from ornd_visma.definitions import defs

    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.group_name in {"extract", "validate", "books", "post", "marts", "publish"}, key
        assert node.kinds, key


def test_a_backfill_places_every_record_and_quarantines_every_defect(
    officernd, defects_small_dir, tmp_path
):
    resource, _ = officernd
    db = tmp_path / "wh.duckdb"
    result = run_staging(
        {"officernd": resource, "warehouse": warehouse_at(db)}, FIRST_DAY, last_day()
    )
    assert result.success
    served = read_dataset(defects_small_dir)
    conn = duckdb.connect(str(db), read_only=True)
    for c in COLLECTIONS:
        staged = conn.execute(f"SELECT count(*) FROM staging.{c.table_name}").fetchall()[0][0]
        held = conn.execute(f"SELECT count(*) FROM quarantine.{c.table_name}").fetchall()[0][0]
        assert staged + held == len(served[c.name]), c.name
    quarantined = {
        (c.name, r[0])
        for c in COLLECTIONS
        for r in conn.execute(f"SELECT record_id FROM quarantine.{c.table_name}").fetchall()
    }
    conn.close()
    planted = set()
    for defect in read_defects(defects_small_dir):
        if defect["kind"] == "long_unicode_name":
            assert (defect["collection"], defect["id"]) not in quarantined, defect
        else:
            assert (defect["collection"], defect["id"]) in quarantined, defect
            planted.add((defect["collection"], defect["id"]))
    # ... and nothing else: every other record went through.
    assert quarantined == planted


def test_rerun_changes_nothing_and_a_range_equals_its_days(officernd, tmp_path):
    resource, _ = officernd
    ranged, daily = tmp_path / "ranged.duckdb", tmp_path / "daily.duckdb"
    first = run_staging(
        {"officernd": resource, "warehouse": warehouse_at(ranged)}, "2026-09-01", "2026-09-03"
    )
    assert first.success
    once = snapshot(ranged)
    assert run_staging(
        {"officernd": resource, "warehouse": warehouse_at(ranged)}, "2026-09-01", "2026-09-03"
    ).success
    assert snapshot(ranged) == once
    for day in ("2026-09-01", "2026-09-02", "2026-09-03"):
        assert run_staging(
            {"officernd": resource, "warehouse": warehouse_at(daily)}, day, day
        ).success
    assert snapshot(daily) == once


def test_a_late_edit_reaches_staging(officernd, defects_small_dir, tmp_path):
    resource, app = officernd
    db = tmp_path / "wh.duckdb"
    resources = {"officernd": resource, "warehouse": warehouse_at(db)}
    instance = dg.DagsterInstance.ephemeral()  # the sensor reads which days were processed
    assert run_staging(resources, FIRST_DAY, last_day(), instance).success
    invoice = next(
        p
        for p in read_dataset(defects_small_dir)["payments"]
        if p["documentType"] == "invoice" and p["date"][:10] == "2026-08-27"
    )
    store = app.state.simulator.store
    store.advance_clock(3600)
    store.patch("payments", invoice["_id"], {"reference": "corrected in October"})
    # The daily run extracts the change and notes its business date ...
    assert run_staging(resources, last_day(), last_day(), instance).success
    conn = duckdb.connect(str(db), read_only=True)
    touched = conn.execute(
        "SELECT business_date::VARCHAR FROM meta.touched_partitions WHERE collection = 'payments'"
    ).fetchall()
    conn.close()
    assert ("2026-08-27",) in touched
    # ... and the sensor asks for that partition again.
    from assets.sensors import late_changes

    context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse_at(db)})
    request = late_changes(context)
    assert (
        request.tags["dagster/asset_partition_range_start"],
        request.tags["dagster/asset_partition_range_end"],
    ) == ("2026-08-27", "2026-08-27")
    assert run_staging(resources, "2026-08-27", "2026-08-27").success
    conn = duckdb.connect(str(db), read_only=True)
    payload = conn.execute(
        "SELECT payload FROM staging.payments WHERE id = ?", [invoice["_id"]]
    ).fetchall()[0][0]
    conn.close()
    assert json.loads(payload)["reference"] == "corrected in October"


def test_schedule_runs_yesterday():
    from ornd_visma.definitions import defs

    schedule = defs.resolve_schedule_def("daily_books_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 22, 3, tzinfo=UTC),
        repository_def=defs.get_repository_def(),
    )
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-11-21"
