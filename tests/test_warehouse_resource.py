"""The warehouse resource: its file and DuckDB settings come from the environment."""

from resources.warehouse import warehouse_resource


def test_the_memory_limit_reaches_duckdb(tmp_path, monkeypatch):
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("ORND_VISMA_DUCKDB_MEMORY_LIMIT", "300MB")
    with warehouse_resource().get_connection() as conn:
        [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    assert limit == "286.1 MiB"  # 300 MB, as DuckDB reports it


def test_without_a_limit_duckdb_keeps_its_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.delenv("ORND_VISMA_DUCKDB_MEMORY_LIMIT", raising=False)
    with warehouse_resource().get_connection() as conn:
        [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    assert limit != "286.1 MiB"
