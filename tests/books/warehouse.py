"""A DuckDB warehouse staged from OfficeRnD collections (generated or hand-made), without
Dagster: raw pages written as extraction writes them, then every table staged."""

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from assets.staging import DIMENSION_ORDER
from ornd_visma.officernd.collections import COLLECTIONS
from ornd_visma.warehouse.raw import ensure_raw, write_records
from ornd_visma.warehouse.staging import FACTS, stage_dimension, stage_fact_window

EVERYTHING = date(2000, 1, 1)


def staged_warehouse(path: Path, collections: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    now = datetime.now(UTC).replace(tzinfo=None)
    for c in COLLECTIONS:
        ensure_raw(conn, c)
        records = collections.get(c.name, [])
        if records:
            write_records(conn, c, records, "run-1", now)
    for c in DIMENSION_ORDER:
        stage_dimension(conn, c)
    for f in FACTS:
        stage_fact_window(conn, f, EVERYTHING, None)
    return conn


def staged_contents(conn: duckdb.DuckDBPyConnection, collections) -> dict[str, tuple[list, list]]:
    """Each collection's staging rows and quarantine rows (when seen left out), sorted."""
    out = {}
    for c in collections:
        t = c.table_name
        staged = conn.execute(f"SELECT * FROM staging.{t} ORDER BY ALL").fetchall()
        quarantined = conn.execute(
            f"SELECT * EXCLUDE (first_seen, last_seen) FROM quarantine.{t} ORDER BY ALL"
        ).fetchall()
        out[c.name] = (staged, quarantined)
    return out
