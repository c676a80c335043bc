"""The DuckDB warehouse (one file; `ORND_VISMA_WAREHOUSE`, default `.sandbox/warehouse.duckdb`).

Within a run the file is opened once and each step gets its own connection to it (a cursor:
its own transactions, temp tables and settings, as a fresh `duckdb.connect` gives). Opening
the file reads its catalog and closing it checkpoints: 30 to 50 ms a step, a third of a daily
run's work beyond Dagster's on the demo operator, for nothing the steps need, since they run
one after another in the run's process (`in_process_executor`) and DuckDB lets one process
hold the file anyway. Outside a run (a sensor, a test calling it directly) each connection
opens the file as `DuckDBResource` does.
"""

from collections.abc import Iterator
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


def warehouse_resource() -> WarehouseResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    limit = duckdb_memory_limit()
    return WarehouseResource(
        database=str(path), connection_config={"memory_limit": limit} if limit else {}
    )
