"""What analysts read: a snapshot of the warehouse published after each run."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.books import BOOKS_KEYS
from assets.marts import MART_KEYS
from assets.staging import STAGING_FACTS, officernd_staging_dimensions
from ornd_visma.warehouse.snapshot import publish_snapshot


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=[
        *officernd_staging_dimensions.keys,
        STAGING_FACTS,
        *BOOKS_KEYS,
        *MART_KEYS,
    ],
    pool="duckdb",
)
def warehouse_snapshot(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """A read-only copy of the whole warehouse (`<warehouse>.snapshot.duckdb`), replaced
    atomically at the end of each run: analysts query it while the pipeline writes."""
    with warehouse.get_connection() as conn:
        path = publish_snapshot(conn, Path(warehouse.database))
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "bytes": path.stat().st_size}
    )
