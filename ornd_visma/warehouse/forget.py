"""Forget what the warehouse's tables were last staged and built from, so the next run
validates every record and builds every derived table again (after a table was edited by
hand, or to check a run against a full rebuild). Nothing else changes: the staged rows stay
until that run replaces them."""

import duckdb

from ornd_visma.warehouse.tables import existing_tables

# What the partial runs compare against (dimension_changes, reference_changes, fact_changes,
# fingerprints, marts/horizon).
RECORDS = (
    "meta.staged_records",
    "meta.staged_inputs",
    "meta.staged_references",
    "meta.staged_days",
    "meta.build_inputs",
    "meta.build_settled",
)


def forget_builds(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Empty the tables of `RECORDS` that exist; the rows each held."""
    present = existing_tables(conn)
    cleared = {}
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in RECORDS:
            if table in present:
                [(rows,)] = conn.execute(f"SELECT count(*) FROM {table}").fetchall()
                conn.execute(f"DELETE FROM {table}")
                cleared[table] = rows
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return cleared
