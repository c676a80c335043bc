"""The DuckDB warehouse (one file; `ORND_VISMA_WAREHOUSE`, default `.sandbox/warehouse.duckdb`)."""

from dagster_duckdb import DuckDBResource

from ornd_visma.config import duckdb_memory_limit, warehouse_path


def warehouse_resource() -> DuckDBResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    limit = duckdb_memory_limit()
    return DuckDBResource(
        database=str(path), connection_config={"memory_limit": limit} if limit else {}
    )
