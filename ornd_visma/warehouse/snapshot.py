"""A read-only copy of the warehouse for analysts.

DuckDB lets one process write a file or many read it, never both; so analysts read
`<warehouse>.snapshot.duckdb`, which is replaced atomically at the end of each run and can be
held open for as long as a query needs: the pipeline never waits for them, nor they for it.
"""

import os
import shutil
from pathlib import Path

import duckdb


def snapshot_path(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}.snapshot.duckdb")


def publish_snapshot(conn: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Checkpoint `conn`'s database (so the file is complete) and publish a copy of it."""
    conn.execute("CHECKPOINT")
    target = snapshot_path(warehouse)
    partial = target.with_name(f"{target.name}.partial")
    shutil.copyfile(warehouse, partial)
    os.replace(partial, target)  # readers holding the old copy keep it until they close
    return target
