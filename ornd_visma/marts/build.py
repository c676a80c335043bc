"""How a mart is rebuilt: its `.sql` file run in one transaction, with the exact-division
functions lent to the connection, the file's inputs set, and its tables' comments applied;
not at all when nothing it reads changed since it was built (`inputs.py`), and a mart that
runs to a date from the month it was last built to when nothing else moved (`horizon.py`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

import duckdb

from ornd_visma.marts import horizon as horizons
from ornd_visma.marts import inputs
from ornd_visma.marts.comments import apply_comments
from ornd_visma.marts.functions import registered
from ornd_visma.warehouse import fingerprints


@dataclass(frozen=True)
class Build:
    """What a rebuild did: `rebuilt` False when the tables already held what it would write;
    `fingerprint` names the inputs they hold now; `start` the first day it wrote when it
    kept the days before (a mart with a horizon, `horizon.py`), else None."""

    rebuilt: bool
    fingerprint: str
    start: date | None = None


def rebuild(
    conn: duckdb.DuckDBPyConnection,
    sql_file: str,
    tables: list[str],
    *,
    variables: Mapping[str, tuple[Any, str]] | None = None,
    views: Mapping[str, str] | None = None,
    horizon: horizons.Horizon | None = None,
) -> Build:
    """Run `sql_file` (of this package) and comment `tables`, all or nothing; not when the
    tables already hold what it would write. `variables` maps an SQL variable to its value
    and DuckDB type, `views` a temp view to its query; `horizon` says which variable is the
    date the mart runs to and how its SQL writes from a day on."""
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
        planned = None
        if horizon is not None:
            runs_to, _ = variables[horizon.variable]
            settled = {n: v for n, v in variables.items() if n != horizon.variable}
            planned = horizons.plan(
                conn, sql_file, tables, horizon, runs_to,
                lambda where: inputs.fingerprint(conn, sql, tables, settled, views, where),
            )  # fmt: skip
            conn.execute(f"SET VARIABLE {horizon.start} = $1::DATE", [planned.start])
        conn.execute("BEGIN TRANSACTION")
        try:
            if planned is not None and planned.start == horizons.WHOLE:
                for table in tables:  # written whole: as the code makes them now
                    conn.execute(f"DROP TABLE IF EXISTS marts.{table}")
            conn.execute(sql)
            apply_comments(conn, tables)
            fingerprints.record(conn, sql_file, digest)
            if planned is not None:
                horizons.record(conn, sql_file, planned)
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    kept = planned is not None and planned.start != horizons.WHOLE
    return Build(True, digest, planned.start if kept else None)
