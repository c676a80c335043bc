"""How a mart is rebuilt: its `.sql` file run in one transaction, with the exact-division
functions lent to the connection, the file's inputs set, and its tables' comments applied;
not at all when nothing it reads changed since it was built (`inputs.py`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import duckdb

from ornd_visma.marts import inputs
from ornd_visma.marts.comments import apply_comments
from ornd_visma.marts.functions import registered
from ornd_visma.warehouse import fingerprints


@dataclass(frozen=True)
class Build:
    """What a rebuild did: `rebuilt` False when the tables already held what it would write;
    `fingerprint` names the inputs they hold now (a chart of them is cached by it)."""

    rebuilt: bool
    fingerprint: str


def rebuild(
    conn: duckdb.DuckDBPyConnection,
    sql_file: str,
    tables: list[str],
    *,
    variables: Mapping[str, tuple[Any, str]] | None = None,
    views: Mapping[str, str] | None = None,
) -> Build:
    """Run `sql_file` (of this package) and comment `tables`, all or nothing; not when the
    tables already hold what it would write. `variables` maps an SQL variable to its value
    and DuckDB type, `views` a temp view to its query."""
    sql = files("ornd_visma.marts").joinpath(sql_file).read_text()
    variables, views = dict(variables or {}), dict(views or {})
    with registered(conn):
        for name, (value, kind) in variables.items():
            conn.execute(f"SET VARIABLE {name} = $1::{kind}", [value])
        for name, query in views.items():
            conn.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")
        digest = inputs.fingerprint(conn, sql, tables, variables, views)
        if fingerprints.unchanged(conn, sql_file, [f"marts.{t}" for t in tables], digest):
            return Build(rebuilt=False, fingerprint=digest)
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(sql)
            apply_comments(conn, tables)
            fingerprints.record(conn, sql_file, digest)
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return Build(rebuilt=True, fingerprint=digest)
