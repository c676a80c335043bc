"""How a mart is rebuilt: its `.sql` file run in one transaction, with the exact-division
functions lent to the connection, the file's inputs set, and its tables' comments applied."""

from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import duckdb

from ornd_visma.marts.comments import apply_comments
from ornd_visma.marts.functions import registered


def rebuild(
    conn: duckdb.DuckDBPyConnection,
    sql_file: str,
    tables: list[str],
    *,
    variables: Mapping[str, tuple[Any, str]] | None = None,
    views: Mapping[str, str] | None = None,
) -> None:
    """Run `sql_file` (of this package) and comment `tables`, all or nothing. `variables`
    maps an SQL variable to its value and DuckDB type, `views` a temp view to its query."""
    sql = files("ornd_visma.marts").joinpath(sql_file).read_text()
    with registered(conn):
        for name, (value, kind) in (variables or {}).items():
            conn.execute(f"SET VARIABLE {name} = $1::{kind}", [value])
        for name, query in (views or {}).items():
            conn.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(sql)
            apply_comments(conn, tables)
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
