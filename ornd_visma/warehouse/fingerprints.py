"""What a derived table was last built from, so an unchanged build can be skipped.

A build (a mart's `.sql` file, the booking accounting) is a function of its code, its
settings and the rows it reads. Its fingerprint digests all three, each relation read by its
row count and the sum of its rows' hashes (a multiset digest: order does not matter, any
changed value does); `meta.build_inputs` keeps the fingerprint each build last wrote, in the
build's own transaction. Same fingerprint and its tables there: building again would write
what is there.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping

import duckdb

from ornd_visma.warehouse.tables import existing_tables

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.build_inputs (
    build VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL  -- sha256 of the code, settings and rows it was built from
);
"""

# The schemas a build may read; a name of one of them in its SQL is an input.
QUALIFIED = re.compile(r"\b(raw|staging|quarantine|core|posting|marts)\.([a-z_][a-z0-9_]*)\b")
# A temp table the SQL makes for itself is a step of the build, not an input (a second build
# on the same connection finds the first one's).
MADE_HERE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(\w+)", re.IGNORECASE
)


def _temp_relations(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The temp tables and views of this connection: those a build's SQL names are what its
    builder set up for it."""
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary "
        "UNION SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    return {name for (name,) in rows}


def reads(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    others: Iterable[str] = (),
    own: Iterable[str] = (),
) -> set[str]:
    """The relations a build's `sql` and the `others` texts it runs (its views' queries)
    read: the warehouse tables they name and the temp relations of `conn` they name, less
    its `own` tables and the temp relations `sql` makes itself."""
    texts = [sql, *others]
    named = {f"{s}.{t}" for text in texts for s, t in QUALIFIED.findall(text)}
    temp = {t for t in _temp_relations(conn) if any(re.search(rf"\b{t}\b", x) for x in texts)}
    return (named | temp) - set(own) - set(MADE_HERE.findall(sql))


def relation_digest(conn: duckdb.DuckDBPyConnection, name: str, where: str = "true") -> str:
    """Rows (those `where` holds for) and the sum of their hashes; "absent" for a relation
    not there (yet)."""
    try:
        count, total = conn.execute(
            f"SELECT count(*), coalesce(sum(hash(r)), 0)::VARCHAR FROM {name} AS r WHERE {where}"
        ).fetchone()
    except duckdb.CatalogException:
        return "absent"
    return f"{count}:{total}"


def fingerprint(
    conn: duckdb.DuckDBPyConnection,
    code: Iterable[bytes],
    settings: str,
    reads: Iterable[str],
    where: Mapping[str, str] | None = None,
) -> str:
    """The digest of `code`, `settings` and the relations `reads`; of a relation `where`
    names, only the rows its condition holds for (a row of `r`: `r.day < DATE '...'`)."""
    where = where or {}
    digest = hashlib.sha256()
    for text in code:
        digest.update(hashlib.sha256(text).digest())
    digest.update(settings.encode())
    for name in sorted(set(reads)):
        if name in where:
            part = relation_digest(conn, name, where[name])
            digest.update(f"\0{name} WHERE {where[name]}:{part}".encode())
        else:
            digest.update(f"\0{name}:{relation_digest(conn, name)}".encode())
    return digest.hexdigest()


def unchanged(
    conn: duckdb.DuckDBPyConnection, build: str, tables: Iterable[str], digest: str
) -> bool:
    """`build` last wrote its `tables` (`schema.table`) from `digest`, and they are there."""
    conn.execute(META_DDL)
    recorded = conn.execute(
        "SELECT fingerprint FROM meta.build_inputs WHERE build = ?", [build]
    ).fetchall()
    return bool(recorded) and recorded[0][0] == digest and set(tables) <= existing_tables(conn)


def record(conn: duckdb.DuckDBPyConnection, build: str, digest: str) -> None:
    """Inside the build's transaction: its tables now hold what `digest` describes."""
    conn.execute(META_DDL)
    conn.execute("INSERT OR REPLACE INTO meta.build_inputs VALUES (?, ?)", [build, digest])
