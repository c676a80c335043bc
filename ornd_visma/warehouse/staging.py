"""`staging.<table>` and `quarantine.<table>`: raw records split by validation.

Every raw record ends in exactly one of the two, so `staging + quarantine = raw` per table.
Dimensions are rebuilt whole; facts per business-date window, replaced in one transaction
(re-running a window changes nothing, a range equals the union of its days). Fact records
without a parseable business date belong to no window: every fact run re-checks them and keeps
them in quarantine under no partition, so nothing is lost.

The quarantine keeps when a problem was first seen, across re-runs.
"""

import functools
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

import duckdb
import orjson
import pandas as pd

from ornd_visma.collector import paused_collector
from ornd_visma.officernd.collections import COLLECTIONS, Collection
from ornd_visma.preview import Preview
from ornd_visma.validation import References, ValidationResult, ddl, reference_kinds, validate
from ornd_visma.validation.columns import COLUMNS
from ornd_visma.warehouse import dimension_changes, fact_changes, reference_changes
from ornd_visma.warehouse.tables import existing_tables
from ornd_visma.warehouse.windows import month_pieces

UNPLACED_CHECK = "business_date_parses"
DIMENSIONS = tuple(c for c in COLLECTIONS if c.business_date is None)
FACTS = tuple(c for c in COLLECTIONS if c.business_date is not None)


QUARANTINE_PREVIEW = 10  # rows (record, check) shown of a table's quarantine
PREVIEW = 5  # valid rows shown


@dataclass
class StageResult:
    """What a staged table (or the part of it a run covers) holds, for the asset's metadata:
    counts, the records quarantined by each check, and a few rows of each side."""

    collection: str
    valid: int
    quarantined_records: int
    checks_failed: dict[str, int]  # check -> distinct records failing it
    quarantine_preview: Preview  # record_id, check, value, reason
    preview: Preview  # a few valid rows, typed columns only

    @classmethod
    def of(cls, collection: Collection, result: ValidationResult) -> "StageResult":
        quarantined = result.quarantined[["record_id", "check", "value", "reason"]]
        failed = quarantined.groupby("check")["record_id"].nunique().to_dict()
        return cls(
            collection.name,
            len(result.valid),
            result.quarantined_records,
            {str(k): int(v) for k, v in failed.items()},
            Preview.of_frame(quarantined, QUARANTINE_PREVIEW),
            Preview.of_frame(result.valid.drop(columns=["payload"]), PREVIEW),
        )

    @classmethod
    def combined(cls, parts: list["StageResult"]) -> "StageResult":
        """One result for a window staged in pieces (months: a record's business date puts
        it in one piece, so the pieces' counts add up)."""
        first = parts[0]
        if len(parts) == 1:
            return first
        failed: dict[str, int] = {}
        for part in parts:
            for check, records in part.checks_failed.items():
                failed[check] = failed.get(check, 0) + records
        quarantine = [p.quarantine_preview for p in parts if not p.quarantine_preview.empty]
        previews = [p.preview for p in parts if not p.preview.empty]
        return cls(
            first.collection,
            sum(p.valid for p in parts),
            sum(p.quarantined_records for p in parts),
            failed,
            quarantine[0] if quarantine else first.quarantine_preview,
            previews[0] if previews else first.preview,
        )

    @classmethod
    def of_tables(
        cls,
        conn: duckdb.DuckDBPyConnection,
        collection: Collection,
        scope: str = "true",
        quarantine_scope: str = "true",
        params: list | None = None,
    ) -> "StageResult":
        """The staged table as it stands (a run that validated part of it, or none), or its
        rows in `scope` (over `business_date`; `quarantine_scope` over `partition_date`)."""
        table, params = collection.table_name, params or []
        [(valid,)] = conn.execute(
            f"SELECT count(*) FROM staging.{table} WHERE {scope}", params
        ).fetchall()
        [(records,)] = conn.execute(
            f"SELECT count(*) FROM quarantine.{table} WHERE {quarantine_scope}", params
        ).fetchall()
        failed, quarantine = {}, Preview((), ())
        if records:
            by_check = f"""SELECT record_id, unnest(checks) AS "check", value, reason
                           FROM quarantine.{table} WHERE {quarantine_scope}"""
            failed = dict(
                conn.execute(
                    f'SELECT "check", count(DISTINCT record_id)::INTEGER FROM ({by_check}) '
                    "GROUP BY ALL",
                    params,
                ).fetchall()
            )
            quarantine = Preview.of_query(
                conn, f"{by_check} ORDER BY record_id LIMIT {QUARANTINE_PREVIEW}", params
            )
        preview = Preview.of_query(
            conn,
            f"SELECT * EXCLUDE (payload, business_date) FROM staging.{table} "
            f"WHERE {scope} LIMIT {PREVIEW}",
            params,
        )
        return cls(collection.name, valid, records, failed, quarantine, preview)


def ensure_tables(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    present: frozenset[str] | None = None,
) -> None:
    """Create the table's staging and quarantine tables; nothing to do when `present` (the
    warehouse's tables, read by the caller) holds both."""
    table = collection.table_name
    if present is not None and {f"staging.{table}", f"quarantine.{table}"} <= present:
        return
    conn.execute("CREATE SCHEMA IF NOT EXISTS staging; CREATE SCHEMA IF NOT EXISTS quarantine")
    conn.execute(ddl(collection.name, "staging"))
    conn.execute(f"ALTER TABLE staging.{table} ADD COLUMN IF NOT EXISTS business_date DATE")
    conn.execute(f"""
        CREATE TABLE IF NOT EXISTS quarantine.{table} (
            record_id VARCHAR,
            check_name VARCHAR NOT NULL,  -- the first check the record failed
            value VARCHAR,                -- the offending value of that check
            reason VARCHAR NOT NULL,      -- every reason, naming the record
            checks VARCHAR[] NOT NULL,    -- every check it failed
            partition_date DATE,          -- the business date window; NULL for dimensions
            payload VARCHAR NOT NULL,     -- the record as received (JSON text)
            first_seen TIMESTAMP NOT NULL,
            last_seen TIMESTAMP NOT NULL
        )""")


def _records(conn, collection: Collection, where: str, params: list) -> list[dict]:
    rows = conn.execute(
        f"SELECT payload FROM raw.{collection.table_name} WHERE {where}", params
    ).fetchall()
    return [orjson.loads(row[0]) for row in rows]


ALL_KINDS = frozenset(f.name for f in fields(References)) | {"plans_and_rates"}


def load_references(
    conn: duckdb.DuckDBPyConnection,
    kinds: frozenset[str] = ALL_KINDS,
    present: frozenset[str] | None = None,
) -> References:
    """The ids records may point at (empty when a table is not there yet), for the `kinds`
    asked (`reference_kinds(collection)`: what validating it reads); the others left empty.

    What the books compute with (tax rates, accounts, plans, rates, locations, floors,
    resources) must be *valid*: staged. Customers and memberships only need to *exist* in
    OfficeRnD: a member whose company is held for its billing details is still a member.
    """
    if "plans_and_rates" in kinds:
        kinds = kinds | {"plans", "resource_rates"}
    present = existing_tables(conn) if present is None else present

    def ids(schema: str, table: str) -> frozenset[str]:
        if table not in kinds or f"{schema}.{table}" not in present:
            return frozenset()
        column = "id" if schema == "staging" else "_id"
        rows = conn.execute(f"SELECT {column} FROM {schema}.{table}").fetchall()
        return frozenset(r[0] for r in rows if r[0] is not None)

    def staged(table: str) -> frozenset[str]:
        return ids("staging", table)

    def in_officernd(table: str) -> frozenset[str]:
        return ids("raw", table)

    rates = {}
    if staged("tax_rates"):
        rates = dict(conn.execute("SELECT id, rate FROM staging.tax_rates").fetchall())
    return References(
        locations=staged("locations"),
        floors=staged("floors"),
        tax_rates=rates,
        revenue_accounts=staged("revenue_accounts"),
        plans=staged("plans"),
        resource_rates=staged("resource_rates"),
        resources=staged("resources"),
        companies=in_officernd("companies"),
        members=in_officernd("members"),
        memberships=in_officernd("memberships"),
    )


def _decimals_as_text(collection: Collection, frame: pd.DataFrame) -> pd.DataFrame:
    """Money and numbers reach DuckDB as text, cast by the target column's DECIMAL type:
    from a column of `Decimal` objects DuckDB guesses one width from a sample of the rows,
    and a larger amount after the sample no longer fits (`DECIMAL(7,2)`)."""
    for column in COLUMNS[collection.name]:
        if column.kind in ("money", "number") and column.name in frame:
            frame[column.name] = [None if v is None else str(v) for v in frame[column.name]]
    return frame


def _write(
    conn,
    collection: Collection,
    result: ValidationResult,
    scope_sql: str,
    quarantine_scope_sql: str,
    params: list,
    partition_of,
) -> None:
    """Replace the scope's staging rows and quarantine rows in one transaction."""
    table = collection.table_name
    now = datetime.now(UTC).replace(tzinfo=None)
    valid = _decimals_as_text(collection, result.valid.copy())
    valid["business_date"] = [partition_of(p) for p in valid["payload"]]
    quarantined = result.quarantined_per_record()
    quarantined["partition_date"] = [partition_of(p) for p in quarantined["payload"]]
    conn.register("stage_valid", valid)
    conn.register("stage_quarantine", quarantined)
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute(f"DELETE FROM staging.{table} WHERE {scope_sql}", params)
        conn.execute(f"INSERT INTO staging.{table} BY NAME SELECT * FROM stage_valid")
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE previous_quarantine AS
                SELECT record_id, check_name, min(first_seen) AS first_seen
                FROM quarantine.{table} WHERE {quarantine_scope_sql} GROUP BY ALL""",
            params,
        )
        conn.execute(f"DELETE FROM quarantine.{table} WHERE {quarantine_scope_sql}", params)
        conn.execute(
            f"""INSERT INTO quarantine.{table}
                SELECT q.record_id, q."check", q.value, q.reason, q.checks, q.partition_date,
                       q.payload,
                       coalesce(p.first_seen, ?), ?
                FROM stage_quarantine q LEFT JOIN previous_quarantine p
                  ON p.record_id IS NOT DISTINCT FROM q.record_id AND p.check_name = q."check"
            """,
            [now, now],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("stage_valid")
        conn.unregister("stage_quarantine")


def stage_dimension(
    conn: duckdb.DuckDBPyConnection, collection: Collection, *, whole: bool = False
) -> StageResult:
    """Validate the dimension's records that changed since it was last staged (all of them
    when its references or the rules changed, or `whole`; `dimension_changes.py`) and
    replace their staging and quarantine rows. The result describes the whole table."""
    present = existing_tables(conn)  # one read of the catalog for the three that ask
    ensure_tables(conn, collection, present)
    references = load_references(conn, reference_kinds(collection.name), present)
    inputs = dimension_changes.inputs_digest(collection, references)
    items = reference_changes.items(collection, references, dimension_changes.rules_digest())
    todo = (
        dimension_changes.Changes(whole=True)
        if whole
        else dimension_changes.changes(conn, collection, inputs, present, items)
    )
    if todo.whole or todo.ids or todo.inputs_moved:
        scope = dimension_changes.scopes(todo.whole)
        with paused_collector():  # tens of thousands of parsed records, no cycles
            records = _records(conn, collection, scope.raw, [])
            result = validate(collection.name, records, references)
            del records
            _write(conn, collection, result, scope.staging, scope.quarantine, [], lambda _: None)
        dimension_changes.record(conn, collection, inputs, todo.whole, items)
    if todo.whole:
        return StageResult.of(collection, result)
    # The rest of the table was seen again, problems and all.
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(f"UPDATE quarantine.{collection.table_name} SET last_seen = ?", [now])
    return StageResult.of_tables(conn, collection)


def _business_day(collection: Collection):
    """The business date of a record's payload text, None when it does not parse; each
    payload is parsed once however often it is asked (placing, then writing, a record)."""

    @functools.cache
    def partition_of(payload: str) -> date | None:
        value = orjson.loads(payload).get(collection.business_date)
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None

    return partition_of


def stage_fact_window(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    start: date,
    end: date | None,
) -> StageResult:
    """Validate the facts whose business date is in [start, end), and those with none.

    `end=None` opens the window: the latest window also holds what is dated after it (a
    booking next month), re-validated every day until its own day's window takes it over.
    A long window is staged a month at a time (`windows.py`); the records without a
    business date with the last piece.
    """
    present = existing_tables(conn)
    ensure_tables(conn, collection, present)
    references = load_references(conn, reference_kinds(collection.name), present)
    pieces = month_pieces(conn, f"raw.{collection.table_name}", start, end)
    results = [
        _stage_fact_piece(conn, collection, references, s, e, unplaced=n == len(pieces) - 1)
        for n, (s, e) in enumerate(pieces)
    ]
    return StageResult.combined(results)


def _stage_fact_piece(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    references: References,
    start: date,
    end: date | None,
    *,
    unplaced: bool,
) -> StageResult:
    """Validate the piece's days whose records or inputs changed (`fact_changes.py`); the
    result describes the whole piece."""
    upper = "" if end is None else " AND business_date < ?"
    params = [start] if end is None else [start, end]
    scope = f"(business_date >= ?{upper})" + (" OR business_date IS NULL" if unplaced else "")
    q_scope = scope.replace("business_date", "partition_date")
    inputs = dimension_changes.inputs_digest(collection, references)
    days = fact_changes.changed_days(conn, collection, scope, params, inputs)
    if days:
        todo = fact_changes.only_changed(scope, "business_date", days)
        q_todo = fact_changes.only_changed(q_scope, "partition_date", days)
        with paused_collector():  # tens of thousands of parsed records, no cycles
            records = _records(conn, collection, todo, params)
            result = validate(collection.name, records, references)
            del records
            partition_of = _business_day(collection)
            result = _quarantine_unplaced(collection, result, partition_of)
            _write(conn, collection, result, todo, q_todo, params, partition_of)
        fact_changes.record(conn, collection, inputs)
    # The days not validated again were seen again, problems and all.
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(
        f"UPDATE quarantine.{collection.table_name} SET last_seen = ? WHERE {q_scope}",
        [now, *params],
    )
    conn.execute(
        f"DELETE FROM meta.touched_partitions WHERE collection = ? AND ({scope})",
        [collection.name, *params],
    )
    return StageResult.of_tables(conn, collection, scope, q_scope, params)


def _quarantine_unplaced(
    collection: Collection, result: ValidationResult, partition_of
) -> ValidationResult:
    """Valid records without a business date cannot be placed in a window: quarantine them."""
    unplaced = result.valid["payload"].map(lambda p: partition_of(p) is None)
    if not unplaced.any():
        return result
    moved = result.valid[unplaced]
    extra = pd.DataFrame(
        {
            "record_id": moved["id"],
            "check": UNPLACED_CHECK,
            "value": [str(orjson.loads(p).get(collection.business_date)) for p in moved["payload"]],
            "reason": [
                f"{collection.name} {rid}: {collection.business_date} is not a date"
                for rid in moved["id"]
            ],
            "payload": moved["payload"],
        }
    )
    return ValidationResult(
        valid=result.valid[~unplaced],
        quarantined=pd.concat([result.quarantined, extra], ignore_index=True),
        quarantined_records=result.quarantined_records + len(moved),
    )


def credit_notes_without_invoice(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(credit note id, number, invoice id) for staged credit notes allocated to an invoice
    that is quarantined: posting the note without its invoice would leave the books wrong."""
    return conn.execute(
        """SELECT s.id, s.number, target
           FROM staging.payments s,
                unnest(json_extract_string(s.payload, '$.allocations[*].target')) AS t(target)
           WHERE s.document_type = 'creditNote'
             AND target IN (SELECT record_id FROM quarantine.payments)
           ORDER BY s.number"""
    ).fetchall()
