"""`raw.<table>`: every record as the API returned it (`payload`), with its id, `modifiedAt`
and business date as typed columns, and the run that last wrote it.

Records are written in batches as pages arrive, so memory does not grow with history. A record
seen again replaces the copy an earlier run wrote; copies written by the same run are all kept,
because a collection may hold one `_id` twice (validation quarantines both). A full pull ends by
dropping the records it did not see (they were deleted in OfficeRnD).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files

import duckdb
import pyarrow as pa

from ornd_visma.officernd.collections import Collection


def ensure_raw(conn: duckdb.DuckDBPyConnection, collection: Collection) -> None:
    """Create the schemas, the state table and `raw.<table>` if missing (run before threads:
    concurrent DDL conflicts in DuckDB)."""
    conn.execute(files("ornd_visma.warehouse").joinpath("raw.sql").read_text())
    conn.execute(f"""
        CREATE TABLE IF NOT EXISTS raw.{collection.table_name} (
            _id VARCHAR,
            modified_at TIMESTAMP,       -- NULL when OfficeRnD sent no parseable modifiedAt
            business_date DATE,          -- facts only; NULL when missing or malformed
            -- The record as received, JSON text (VARCHAR: casting to DuckDB's JSON type
            -- re-parses every record and costs ten times the insert; json_* functions and
            -- `payload::JSON` work on it as it is).
            payload VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            extracted_at TIMESTAMP NOT NULL
        )""")


@dataclass
class PagesWritten:
    records: int
    changed_days: set[date] = field(default_factory=set)  # business dates of changed facts
    unplaced: int = 0  # changed facts without a parseable business date
    newest: datetime | None = None  # the largest value of the incremental field seen


def _json_path(name: str) -> str:
    return f"'$.\"{name}\"'"


def write_pages(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    bodies: list[bytes],
    run_id: str,
    extracted_at: datetime,
    *,
    full: bool = False,
) -> PagesWritten:
    """Upsert the records of some list pages (their bodies as received; one transaction).

    DuckDB unnests `results` and reads `_id`, `modifiedAt` and the business date itself, so
    no record goes through Python. A full pull appends everything (`finish_run` drops every
    older copy at the end). An incremental pull keeps a record that comes back unchanged (the
    watermark overlap re-reads a few) and replaces one that changed. Either way only real
    changes count as changed.
    """
    if not bodies:
        return PagesWritten(0)
    table = f"raw.{collection.table_name}"
    day = collection.business_date
    since = collection.incremental_field or "modifiedAt"
    conn.register("raw_pages", pa.table({"page": [b.decode() for b in bodies]}))
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE raw_batch AS
                SELECT json_extract_string(r, '$._id') AS _id,
                       json_extract_string(r, '$.modifiedAt') AS modified_at,
                       {f"json_extract_string(r, {_json_path(day)})" if day else "NULL"}
                           AS business_date,
                       json_extract_string(r, {_json_path(since)}) AS since,
                       r::VARCHAR AS payload
                FROM (SELECT unnest(CAST(json_extract(page, '$.results') AS JSON[])) AS r
                      FROM raw_pages)"""
        )
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE raw_changed AS
                SELECT * FROM raw_batch b WHERE NOT EXISTS (
                    SELECT 1 FROM {table} t
                    WHERE t._id = b._id AND t.payload = b.payload AND t.run_id <> ?)""",
            [run_id],
        )
        source = "raw_batch"
        if not full:
            conn.execute(
                f"""DELETE FROM {table}
                    WHERE run_id <> ? AND _id IN (SELECT _id FROM raw_changed)""",
                [run_id],
            )
            source = "raw_changed"
        conn.execute(
            f"""INSERT INTO {table}
                SELECT _id, TRY_CAST(modified_at AS TIMESTAMP),
                       TRY_CAST(substr(business_date, 1, 10) AS DATE), payload, ?, ?
                FROM {source}""",
            [run_id, extracted_at],
        )
        records, newest = conn.execute(
            "SELECT count(*), max(TRY_CAST(since AS TIMESTAMP)) FROM raw_batch"
        ).fetchall()[0]
        written = PagesWritten(records, newest=newest)
        if day:
            for (changed_day,) in conn.execute(
                "SELECT TRY_CAST(substr(business_date, 1, 10) AS DATE) FROM raw_changed"
            ).fetchall():
                if changed_day is None:
                    written.unplaced += 1
                else:
                    written.changed_days.add(changed_day)
        conn.execute("COMMIT")
        return written
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("raw_pages")


def finish_run(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    run_id: str,
    *,
    full: bool,
    watermark: str | None,
    records: int,
    requests: int,
    finished_at: datetime,
    touched: set | None = None,
) -> int:
    """Record the run and the business dates it touched; a full pull also drops what it did
    not see. Returns rows dropped."""
    table = f"raw.{collection.table_name}"
    conn.execute("BEGIN TRANSACTION")
    try:
        if touched:
            # One statement: DuckDB's executemany runs a statement per row.
            conn.execute(
                "INSERT OR REPLACE INTO meta.touched_partitions SELECT ?, unnest(?::DATE[]), ?",
                [collection.name, sorted(touched), finished_at],
            )
        dropped = 0
        if full:
            # DuckDB 2 wants every result read to the end before the next statement.
            # Records no longer served: deleted in OfficeRnD since the last pull.
            dropped = conn.execute(
                f"""SELECT count(*) FROM {table} WHERE run_id <> ? AND _id NOT IN
                    (SELECT _id FROM {table} WHERE run_id = ?)""",
                [run_id, run_id],
            ).fetchall()[0][0]
            conn.execute(f"DELETE FROM {table} WHERE run_id <> ?", [run_id])
        conn.execute(
            """INSERT OR REPLACE INTO meta.extract_state VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                collection.name,
                watermark,
                "full" if full else "incremental",
                run_id,
                finished_at,
                records,
                requests,
            ],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return dropped


def watermark_of(conn: duckdb.DuckDBPyConnection, collection: Collection) -> str | None:
    """Where the next incremental pull starts (None: never pulled, so pull in full)."""
    rows = conn.execute(
        "SELECT watermark FROM meta.extract_state WHERE collection = ?", [collection.name]
    ).fetchall()
    return rows[0][0] if rows else None


def touched_partitions(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, object]]:
    """(collection, business date) pairs changed since their window was last validated."""
    return conn.execute(
        "SELECT collection, business_date FROM meta.touched_partitions ORDER BY 2, 1"
    ).fetchall()
