"""The partitioned part of the asset graph: one asset per stage, so a backfill writes a few
Dagster events per day (README "Running the pipeline"), with every table still named."""

from collections import Counter
from datetime import date, timedelta

import dagster as dg
import pytest

from assets.books import BOOKS
from assets.partitions import daily_partitions
from assets.posting import POSTINGS
from assets.shape import noop_definitions
from assets.staging import STAGING_FACTS, facts_metadata, staging_key, staging_keys
from ornd_visma.officernd.collections import collection
from ornd_visma.preview import Preview
from ornd_visma.warehouse.staging import FACTS, StageResult

PARTITIONED = {STAGING_FACTS, BOOKS, POSTINGS}


def _graph():
    from ornd_visma.definitions import defs

    return defs.resolve_asset_graph()


def test_three_partitioned_assets_share_the_daily_partitions_and_run_once_per_range():
    graph = _graph()
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert partitioned == PARTITIONED
    for key in partitioned:
        node = graph.get(key)
        assert node.partitions_def == daily_partitions, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        assert node.description, key


def test_the_facts_asset_names_its_six_tables_and_checks_each():
    graph = _graph()
    node = graph.get(STAGING_FACTS)
    tables = [f"staging.{f.table_name}" for f in FACTS]
    assert len(tables) == 6
    assert node.metadata["tables"] == tables
    assert node.metadata["dagster/table_name"] == ", ".join(tables)
    checks = {c.name for c in graph.asset_check_keys if c.asset_key == STAGING_FACTS}
    assert checks == {f"{f.table_name}_quarantine_empty" for f in FACTS} | {
        "payments_documents_complete"
    }
    # dimensions keep their own asset and check names
    assert staging_key(collection("tax-rates")) == dg.AssetKey(["staging", "tax_rates"])
    assert dg.AssetCheckKey(staging_key(collection("tax-rates")), "references_clean") in (
        graph.asset_check_keys
    )


def test_every_fact_collection_is_staged_by_the_one_asset_and_named_once():
    assert {staging_key(f) for f in FACTS} == {STAGING_FACTS}
    assert staging_keys("payments", "companies", "fees", "members") == [
        STAGING_FACTS,
        dg.AssetKey(["staging", "companies"]),
        dg.AssetKey(["staging", "members"]),
    ]


def _staged(valid: int, quarantined: int) -> StageResult:
    rows = Preview(("record_id", "check", "value", "reason"), (("r", "schema", "x", "bad"),))
    failed = {"schema": quarantined} if quarantined else {}
    return StageResult("x", valid, quarantined, failed, rows, Preview(("id",), (("a",),)))


def test_facts_metadata_counts_each_table_and_the_total():
    metadata = facts_metadata({"payments": _staged(7, 2), "fees": _staged(3, 0)})
    assert metadata["rows.payments"] == 7
    assert metadata["rows.fees"] == 3
    assert metadata["quarantined.payments"] == 2
    assert metadata["dagster/row_count"] == 10  # 7 + 3
    assert metadata["quarantined_records"] == 2  # 2 + 0
    assert "rows.bookings" not in metadata


@pytest.mark.parametrize("days", [3, 5])
def test_a_backfill_writes_two_events_per_day_and_partitioned_asset(days):
    from ornd_visma.definitions import defs

    job = noop_definitions(defs).resolve_job_def("daily_books")
    start = date(2025, 1, 1)
    tags = {
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": (start + timedelta(days=days - 1)).isoformat(),
    }
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, tags=tags)
        assert result.success
        kinds = Counter(
            e.dagster_event.event_type_value
            for e in instance.all_logs(result.run_id)
            if e.dagster_event
        )
    unpartitioned = len(_graph().get_all_asset_keys()) - len(PARTITIONED)
    # a planned and a materialization event per day of each of the 3 partitioned assets,
    # one of each per unpartitioned asset: 3 days -> 3 * 3 + n, 5 days -> 3 * 5 + n
    assert kinds["ASSET_MATERIALIZATION_PLANNED"] == 3 * days + unpartitioned
    assert kinds["ASSET_MATERIALIZATION"] == 3 * days + unpartitioned
