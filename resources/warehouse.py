"""The DuckDB warehouse (one file; `ORND_VISMA_WAREHOUSE`, default `.sandbox/warehouse.duckdb`)."""

from dagster_duckdb import DuckDBResource

from ornd_visma.config import warehouse_path


def warehouse_resource() -> DuckDBResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(path))
