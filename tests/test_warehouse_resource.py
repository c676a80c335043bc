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
