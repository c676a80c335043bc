"""Whether a warehouse table is there yet (a stage that never ran has not created it)."""

import duckdb


def table_exists(conn: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """`qualified` is `schema.table`; views do not count."""
    schema, table = qualified.split(".")
    rows = conn.execute(
        "SELECT 1 FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows)


def existing_tables(conn: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Every table as `schema.table`, in one read of the catalog (a read costs about a
    millisecond whatever it asks: DuckDB lists every table to answer)."""
    rows = conn.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
    return frozenset(r[0] for r in rows)
