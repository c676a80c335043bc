"""The DuckDB warehouse (one file; `ORND_VISMA_WAREHOUSE`, default `.sandbox/warehouse.duckdb`).

In a run of one day (the daily schedule, a re-run of a day) the file is opened once and each
step gets its own connection to it (a cursor: its own transactions, temp tables and
settings, as a fresh `duckdb.connect` gives). Opening the file reads its catalog and closing
it checkpoints: 30 to 50 ms a step, a fifth of a quiet daily run's work beyond Dagster's on
the demo operator, for nothing the steps need, since they run one after another in the
run's process (`in_process_executor`) and DuckDB lets one process hold the file anyway.

A run of more days (a backfill) opens the file for each step, as `DuckDBResource` does: its
steps take seconds, and closing the file at a step's end frees DuckDB's cache of blocks,
which an open file keeps up to `memory_limit` for the next step to add its own memory to
(measured on the large operator's two-year backfill: 1,074 MiB peak with the file held open,
967 MiB without). Outside a run (a sensor, a test) each connection opens the file too.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from ornd_visma.config import duckdb_memory_limit, warehouse_path


class WarehouseResource(DuckDBResource):
    """`DuckDBResource` whose file stays open for the run it serves."""

    _database: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if not one_day(context.run.tags if context.run else {}):
            return
        # Closing this connection closes every cursor of it: it is held until teardown.
        self._database = duckdb.connect(
            self.database, config={"custom_user_agent": "dagster", **self.connection_config}
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._database is None:
            with super().get_connection() as conn:
                yield conn
            return
        conn = self._database.cursor()
        try:
            yield conn
        finally:
            conn.close()


def one_day(tags: Mapping[str, str]) -> bool:
    """Whether a run's tags name a single partition (the schedule's, or a range of one)."""
    if tags.get("dagster/partition"):
        return True
    start = tags.get("dagster/asset_partition_range_start")
    return start is not None and start == tags.get("dagster/asset_partition_range_end")


def warehouse_resource() -> WarehouseResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    limit = duckdb_memory_limit()
    return WarehouseResource(
        database=str(path), connection_config={"memory_limit": limit} if limit else {}
    )
