"""`raw.<table>`: every record as the API returned it (`payload`), with its id, `modifiedAt`
and business date as typed columns, and the run that last wrote it.

A pull of a collection (`RawPull`) is written in batches as pages arrive and committed every
so many records, so memory does not grow with history. A record seen again replaces the copy
an earlier run wrote; copies written by the same run are all kept, because a collection may
hold one `_id` twice (validation quarantines both). A full pull ends by dropping the records
it did not see (they were deleted in OfficeRnD).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ornd_visma.jsontext import dumps
from ornd_visma.officernd.collections import Collection
from ornd_visma.warehouse.tables import existing_tables


def ensure_raw(conn: duckdb.DuckDBPyConnection, *collections: Collection) -> None:
    """Create the schemas, the state tables and each `raw.<table>` if missing (run before
    threads: concurrent DDL conflicts in DuckDB). Once a warehouse has them, this is one read
    of the catalog."""
    present = existing_tables(conn)
    if not {"meta.extract_state", "meta.touched_partitions"} <= present:
        conn.execute(files("ornd_visma.warehouse").joinpath("raw.sql").read_text())
    # a warehouse from before the periodic full pull: NULL reads as "never", so due
    conn.execute("ALTER TABLE meta.extract_state ADD COLUMN IF NOT EXISTS last_full_at TIMESTAMP")
    for collection in collections:
        if f"raw.{collection.table_name}" in present:
            continue
        conn.execute(f"""
            CREATE TABLE IF NOT EXISTS raw.{collection.table_name} (
                _id VARCHAR,
                modified_at TIMESTAMP,       -- NULL when OfficeRnD sent no parseable modifiedAt
                business_date DATE,          -- facts only; NULL when missing or malformed
                -- The record as received, JSON text (VARCHAR: casting to DuckDB's JSON type
                -- re-parses every record and costs ten times the insert; json_* functions
                -- and `payload::JSON` work on it as it is). zstd: quicker to write than the
                -- default string compressions DuckDB weighs at each checkpoint, and a third
                -- of the size.
                payload VARCHAR USING COMPRESSION zstd NOT NULL,
                run_id VARCHAR NOT NULL,
                extracted_at TIMESTAMP NOT NULL
            )""")


@dataclass
class PullProgress:
    records: int = 0
    changed_days: set[date] = field(default_factory=set)  # business dates of changed facts
    unplaced: int = 0  # changed facts without a parseable business date
    newest: datetime | None = None  # the largest value of the incremental field seen


def _path(name: str) -> str:
    return f'$."{name}"'


class RawPull:
    """One pull of a collection into `raw.<table>`, streamed.

    Page bodies are buffered as they arrive and written every `batch_records` records; the
    transaction is committed every `commit_records`, so neither Python nor DuckDB holds more
    than that whatever the history (DuckDB keeps a transaction's rows in memory until it
    commits them). At every commit each record has exactly one copy in the table, old or new:
    a pull that fails half-way leaves some records at their new version and the rest at their
    old one, as an incremental pull does, never two copies, and the watermark where it was,
    so the next pull reads them again.

    A full pull replaces every record it sees and `finish` drops the ones it did not see
    (deleted in OfficeRnD). An incremental pull keeps a record that comes back unchanged (the
    watermark overlap re-reads a few) and replaces one that changed. Either way only real
    changes count as changed, and their business dates are the partitions the pull touched.

    DuckDB unnests `results` and reads `_id`, `modifiedAt` and the business date itself: no
    record goes through Python. That matters because Python's share of a pull is serialised
    by the GIL with the HTTP client's, while DuckDB works outside it. A first pull (nothing
    older to compare with) inserts straight from the pages; later pulls stage each batch to
    compare it with what is there.
    """

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        collection: Collection,
        run_id: str,
        extracted_at: datetime,
        *,
        full: bool,
        batch_records: int = 5000,
        commit_records: int = 20_000,
    ) -> None:
        self.conn, self.collection, self.run_id = conn, collection, run_id
        self.extracted_at, self.full, self.batch_records = extracted_at, full, batch_records
        self.commit_records = commit_records
        self.table = f"raw.{collection.table_name}"
        self.progress = PullProgress()
        self._bodies: list[bytes] = []
        self._buffered = 0
        self._untouched: set[date] = set()  # changed days not yet in meta.touched_partitions
        self._begin()
        # Nothing older to compare with (a first pull): every record is a change.
        self._first = not conn.execute(
            f"SELECT count(*) FROM {self.table} WHERE run_id <> ?", [run_id]
        ).fetchall()[0][0]

    def add_page(self, body: bytes, records: int) -> None:
        """Buffer a list page as received (`records`: the length of its `results`)."""
        self._bodies.append(body)
        self._buffered += records
        self.progress.records += records
        if self._buffered >= self.batch_records:
            self.flush()
        if self._uncommitted >= self.commit_records:
            self._note_touched()
            self._commit()
            self._begin()

    def _records_sql(self) -> str:
        """The records of `raw_pages` as `_id, modified_at, business_date, payload, since`."""
        day, since = self.collection.business_date, self.collection.incremental_field
        paths = ["$._id", "$.modifiedAt", _path(day or "_id"), _path(since or "modifiedAt")]
        paths_sql = ", ".join(f"'{path}'" for path in paths)
        return f"""
            SELECT f[1] AS _id,
                   TRY_CAST(f[2] AS TIMESTAMP) AS modified_at,
                   {"TRY_CAST(substr(f[3], 1, 10) AS DATE)" if day else "NULL::DATE"}
                       AS business_date,
                   r AS payload,
                   TRY_CAST(f[4] AS TIMESTAMP) AS since
            FROM (SELECT r, json_extract_string(r, [{paths_sql}]) AS f
                  FROM (SELECT unnest(json_extract(page, '$.results[*]')) AS r
                        FROM raw_pages))"""

    def _since_sql(self) -> str:
        """`since` of an inserted row (RETURNING sees the table's columns only)."""
        since = self.collection.incremental_field
        if since in (None, "modifiedAt"):
            return "modified_at"
        return f"TRY_CAST(json_extract_string(payload, '{_path(since)}') AS TIMESTAMP)"

    def flush(self) -> None:
        """Write the buffered pages (inside the pull's transaction)."""
        if not self._bodies:
            return
        conn, table, run_id = self.conn, self.table, self.run_id
        # pyarrow's default pool (mimalloc) hands freed batches back to the OS and faults the
        # pages in again for the next: the system allocator builds a batch ten times faster.
        pages = pa.array(self._bodies, pa.binary(), memory_pool=pa.system_memory_pool())
        conn.register("raw_pages", pa.table({"page": pages.cast(pa.string())}))
        self._uncommitted += self._buffered
        self._bodies, self._buffered = [], 0
        stamp = [run_id, self.extracted_at]
        try:
            if self._first:
                # `sql` (not `execute`): its Arrow result is not copied row by row.
                written = conn.sql(
                    f"""INSERT INTO {table}
                        SELECT _id, modified_at, business_date, payload, ?, ?
                        FROM ({self._records_sql()})
                        RETURNING business_date, {self._since_sql()} AS since""",
                    params=stamp,
                ).to_arrow_table()
                self._note(written, written)
                return
            # The batch, each record marked `changed` when no older copy has its payload
            # (only the older copies of the batch's own ids are compared: an incremental
            # day's few records, not every payload of the table).
            conn.execute(
                # (a LEFT JOIN: DuckDB planned NOT EXISTS over the CTE up to 4 x slower)
                f"""CREATE OR REPLACE TEMP TABLE raw_batch AS
                    WITH batch AS ({self._records_sql()})
                    SELECT b.*, o._id IS NULL AS changed
                    FROM batch b LEFT JOIN (
                        SELECT DISTINCT _id, payload FROM {table}
                        WHERE run_id <> ? AND _id IN (SELECT _id FROM batch)
                    ) o ON o._id = b._id AND o.payload = b.payload""",
                [run_id],
            )
            # The older copies this batch replaces: of every record a full pull sees (what is
            # left older at the end was not seen), of the changed ones in an incremental pull.
            replaced = "true" if self.full else "changed"
            conn.execute(
                f"""DELETE FROM {table} WHERE run_id <> ? AND _id IN
                    (SELECT _id FROM raw_batch WHERE {replaced})""",
                [run_id],
            )
            conn.execute(
                f"""INSERT INTO {table}
                    SELECT _id, modified_at, business_date, payload, ?, ?
                    FROM raw_batch WHERE {replaced}""",
                stamp,
            )
            batch = conn.sql("SELECT since, business_date, changed FROM raw_batch").to_arrow_table()
            self._note(batch, batch.filter(batch["changed"]))
        finally:
            conn.unregister("raw_pages")

    def _note(self, seen: pa.Table, changed: pa.Table) -> None:
        """Keep the newest `since` of the records seen and the business dates of those that
        changed (arrow columns: no per-row Python)."""
        progress = self.progress
        newest = pc.max(seen["since"]).as_py()
        if newest is not None and (progress.newest is None or newest > progress.newest):
            progress.newest = newest
        if self.collection.business_date:
            days = changed["business_date"]
            progress.unplaced += days.null_count
            self._changed({d for d in pc.unique(days).to_pylist() if d})

    def _changed(self, days: set[date]) -> None:
        """Business dates whose facts changed: the pull's, and the sensor's once noted."""
        self.progress.changed_days |= days
        self._untouched |= days

    def _note_touched(self) -> None:
        """Note the business dates changed so far, with the rows that changed them (a pull
        that fails later has still changed them: the sensor must see those days)."""
        if self._untouched:
            # One statement: DuckDB's executemany runs a statement per row.
            self.conn.execute(
                "INSERT OR REPLACE INTO meta.touched_partitions SELECT ?, unnest(?::DATE[]), ?",
                [
                    self.collection.name,
                    sorted(self._untouched),
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )
            self._untouched = set()

    def commit(self) -> None:
        """Write what is buffered and commit, without recording the pull in
        `meta.extract_state` (`finish` does both)."""
        self.flush()
        self._commit()

    def _begin(self) -> None:
        self.conn.execute("BEGIN TRANSACTION")
        self._open, self._uncommitted = True, 0

    def _commit(self) -> None:
        self._open = False  # a failed COMMIT has rolled back already
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Undo everything the pull wrote (nothing, once it committed)."""
        if self._open:
            self._open = False
            self.conn.execute("ROLLBACK")

    def finish(self, *, watermark: str | None, requests: int, finished_at: datetime) -> int:
        """Write what is buffered, record the pull and the business dates it touched (a full
        pull also drops the records it did not see: deleted in OfficeRnD) and commit. Returns
        the rows dropped."""
        self.flush()
        conn, table, name = self.conn, self.table, self.collection.name
        dropped = 0
        if self.full and not self._first:
            # Every record seen has replaced its older copy: what is older was not seen
            # (deleted in OfficeRnD). A dropped fact changes its day: the day is noted for
            # the `late_changes` sensor, as an edited one is.
            gone = conn.execute(
                f"DELETE FROM {table} WHERE run_id <> ? RETURNING business_date", [self.run_id]
            ).fetchall()
            dropped = len(gone)
            if self.collection.business_date:
                self._changed({day for (day,) in gone if day is not None})
        self._note_touched()
        state = [
            watermark,
            "full" if self.full else "incremental",
            self.run_id,
            finished_at,
            self.progress.records,
            requests,
            finished_at if self.full else None,
            name,
        ]
        # UPDATE, then INSERT for a first pull: half the cost of INSERT OR REPLACE's upsert.
        [(updated,)] = conn.execute(
            "UPDATE meta.extract_state SET watermark = ?, mode = ?, last_run_id = ?, "
            "last_run_at = ?, records = ?, requests = ?, "
            "last_full_at = coalesce(?, last_full_at) WHERE collection = ?",
            state,
        ).fetchall()
        if not updated:
            conn.execute(
                "INSERT INTO meta.extract_state (watermark, mode, last_run_id, last_run_at, "
                "records, requests, last_full_at, collection) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                state,
            )
        self._commit()
        return dropped


def write_records(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    records: list[dict],
    run_id: str,
    extracted_at: datetime,
    *,
    full: bool = False,
) -> PullProgress:
    """Write some records as a pull would, in one transaction (fixtures and repairs; the
    extraction keeps its `RawPull` open across pages)."""
    pull = RawPull(conn, collection, run_id, extracted_at, full=full)
    try:
        pull.add_page(dumps({"results": records}), len(records))
        pull.commit()
    except Exception:
        pull.rollback()
        raise
    return pull.progress


@dataclass(frozen=True)
class PullState:
    """What the last pull of a collection left: where the next incremental pull starts
    (None: never pulled, so pull in full) and when it was last pulled in full."""

    watermark: str | None = None
    last_full_at: datetime | None = None

    def full_pull_due(self, every: timedelta | None, now: datetime) -> bool:
        """Whether the last full pull is `every` old or more (or unknown); never when
        `every` is None."""
        return every is not None and (self.last_full_at is None or now - self.last_full_at >= every)


def pull_state(conn: duckdb.DuckDBPyConnection, collection: Collection) -> PullState:
    """`collection`'s row of `meta.extract_state`, in one read."""
    rows = conn.execute(
        "SELECT watermark, last_full_at FROM meta.extract_state WHERE collection = ?",
        [collection.name],
    ).fetchall()
    return PullState(*rows[0]) if rows else PullState()


def touched_partitions(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, object]]:
    """(collection, business date) pairs changed since their window was last validated."""
    return conn.execute(
        "SELECT collection, business_date FROM meta.touched_partitions ORDER BY 2, 1"
    ).fetchall()
