"""The warehouse resource: its file and DuckDB settings come from the environment."""

from ornd_visma.config import duckdb_memory_limit
from resources.warehouse import warehouse_resource


def test_the_memory_limit_reaches_duckdb(tmp_path, monkeypatch):
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("ORND_VISMA_DUCKDB_MEMORY_LIMIT", "300MB")
    with warehouse_resource().get_connection() as conn:
        [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    assert limit == "286.1 MiB"  # 300 MB, as DuckDB reports it


def test_without_a_limit_duckdb_gets_the_default_of_512mb(tmp_path, monkeypatch):
    # It was DuckDB's own default (80 % of RAM) until issue 16: the large backfill then peaked
    # at 1.57 GiB; 512 MB is the documented default now (windows built a month at a time).
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.delenv("ORND_VISMA_DUCKDB_MEMORY_LIMIT", raising=False)
    with warehouse_resource().get_connection() as conn:
        [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    assert limit != "286.1 MiB"
    assert limit == "488.2 MiB"  # 512 MB = 512,000,000 B / 1,048,576 = 488.28 MiB


def test_the_memory_limit_setting_defaults_to_512mb():
    assert duckdb_memory_limit({}) == "512MB"
    assert duckdb_memory_limit({"ORND_VISMA_DUCKDB_MEMORY_LIMIT": ""}) == "512MB"
    assert duckdb_memory_limit({"ORND_VISMA_DUCKDB_MEMORY_LIMIT": "2GB"}) == "2GB"


def test_a_run_of_one_day_holds_the_file_open_and_a_backfill_does_not(tmp_path):
    """Within a one-day run the steps share one open database (a temp table one step made
    is gone in the next, each has its own connection); a backfill opens it per step."""
    import dagster as dg

    from resources.warehouse import WarehouseResource, one_day

    assert one_day({"dagster/partition": "2026-12-02"})
    day = {"dagster/asset_partition_range_start": "2026-12-02"}
    assert one_day({**day, "dagster/asset_partition_range_end": "2026-12-02"})
    assert not one_day({**day, "dagster/asset_partition_range_end": "2026-12-03"})
    assert not one_day({})
    seen = {}

    @dg.asset
    def first(warehouse: WarehouseResource) -> None:
        seen["open"] = warehouse._database is not None
        with warehouse.get_connection() as conn:
            conn.execute("CREATE TEMP TABLE mine AS SELECT 1 AS x")
            conn.execute("CREATE OR REPLACE TABLE main.kept AS SELECT 42 AS x")

    @dg.asset(deps=[first])
    def second(warehouse: WarehouseResource) -> None:
        with warehouse.get_connection() as conn:
            seen["kept"] = conn.execute("SELECT x FROM main.kept").fetchall()
            seen["temp"] = conn.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mine'"
            ).fetchall()

    resource = WarehouseResource(database=str(tmp_path / "wh.duckdb"))
    for tags, held in (({"dagster/partition": "2026-12-02"}, True), ({}, False)):
        result = dg.materialize([first, second], resources={"warehouse": resource}, tags=tags)
        assert result.success
        assert seen == {"open": held, "kept": [(42,)], "temp": [(0,)]}
    # after the run the file is closed: another connection may open it
    import duckdb

    duckdb.connect(str(tmp_path / "wh.duckdb")).close()
