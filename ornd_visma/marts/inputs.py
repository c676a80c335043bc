"""What a mart reads: the daily run's share of the marts (`warehouse/fingerprints.py`).

A mart's tables follow from its `.sql` file (and the exact-division functions it calls), the
variables set for it (`as_of`, coefficients), and the contents of what it reads: the tables
its file and its views name (`staging.memberships`, `core.revenue_schedule`, another mart),
and the temp tables its builder filled for it (`_costs`, `_vat_parts`: a temp relation its
SQL names and does not make itself). When none of that changed since the mart was built,
`build.rebuild` skips it.

Reading every input costs a scan, not a rebuild's joins: on the demo operator about 20 ms
for occupancy's inputs against 450 ms for building it. A day that changes one membership
changes the fingerprint and rebuilds the mart whole: correct, and no slower than before. The
marts that run to `as_of` have a new one every calendar day: occupancy then writes only from
the month of its last `as_of` on (`horizon.py`); MRR and lifetime (a tenth of a second and
less) are rebuilt whole. The ones the books feed (revenue, the VAT return, the margin) are
rebuilt only when the books or Visma's costs changed.
"""

import re
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import duckdb

from ornd_visma.warehouse import fingerprints

# The schemas a mart may read; a name of one of them in the SQL is an input.
QUALIFIED = re.compile(r"\b(raw|staging|quarantine|core|posting|marts)\.([a-z_][a-z0-9_]*)\b")
# A temp table the file makes for itself is a step of the build, not an input (a second build
# on the same connection finds the first one's).
MADE_HERE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(\w+)", re.IGNORECASE
)


def _temp_relations(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The temp tables and views of this connection: those the mart's SQL names are what its
    builder set up for it."""
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary "
        "UNION SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    return {name for (name,) in rows}


def reads(
    conn: duckdb.DuckDBPyConnection, sql: str, tables: list[str], views: list[str]
) -> set[str]:
    """The relations a mart's `sql` and its `views` read, less its own `tables`."""
    texts = [sql, *views]
    named = {f"{s}.{t}" for text in texts for s, t in QUALIFIED.findall(text)}
    temp = {t for t in _temp_relations(conn) if any(re.search(rf"\b{t}\b", x) for x in texts)}
    return (named | temp) - {f"marts.{t}" for t in tables} - set(MADE_HERE.findall(sql))


def fingerprint(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    tables: list[str],
    variables: Mapping[str, tuple[Any, str]],
    views: Mapping[str, str],
    where: Mapping[str, str] | None = None,
) -> str:
    """The digest of everything the build of `tables` by `sql` (a mart's file) reads, its
    temp views set up; of a relation `where` names, the rows its condition holds for."""
    settings = "".join(f"\0{n}={v!r}::{k}" for n, (v, k) in sorted(variables.items()))
    settings += "".join(f"\0view {n}={q}" for n, q in sorted(views.items()))
    code = [sql.encode(), files("ornd_visma.marts").joinpath("functions.py").read_bytes()]
    return fingerprints.fingerprint(
        conn, code, settings, reads(conn, sql, tables, list(views.values())), where
    )
