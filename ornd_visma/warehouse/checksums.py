"""Each warehouse table's rows and a digest of its contents: two warehouses built from the
same data by different paths (a backfill and daily runs, two versions of the code) compare
table by table. Columns that say when or by which run a row was written are left out."""

import duckdb

SCHEMAS = ("raw", "staging", "quarantine", "core", "posting", "marts")
# A column whose name holds one of these tells when or by which run, not what.
VOLATILE = ("run_id", "_at", "seen", "updated", "created", "loaded")


def table_checksums(
    conn: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = SCHEMAS
) -> dict[str, list]:
    """`schema.table` → [rows, the sum of the rows' hashes] (order does not count)."""
    out = {}
    listed = ", ".join(f"'{s}'" for s in schemas)
    tables = conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        f"WHERE schema_name IN ({listed}) AND NOT temporary ORDER BY ALL"
    ).fetchall()
    for schema, table in tables:
        columns = [
            name
            for name, kind in conn.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema, table],
            ).fetchall()
            if "TIMESTAMP" not in kind and not any(v in name for v in VOLATILE)
        ]
        row = ", ".join(f'"{c}"' for c in columns)
        count, digest = conn.execute(
            f'SELECT count(*), coalesce(sum(hash({row})), 0)::VARCHAR FROM "{schema}"."{table}"'
        ).fetchone()
        out[f"{schema}.{table}"] = [count, digest]
    return out
