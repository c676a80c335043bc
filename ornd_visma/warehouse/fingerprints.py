"""What a derived table was last built from, so an unchanged build can be skipped.

A build (a mart's `.sql` file, the booking accounting) is a function of its code, its
settings and the rows it reads. Its fingerprint digests all three, each relation read by its
row count and the sum of its rows' hashes (a multiset digest: order does not matter, any
changed value does); `meta.build_inputs` keeps the fingerprint each build last wrote, in the
build's own transaction. Same fingerprint and its tables there: building again would write
what is there.
"""

import hashlib
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
