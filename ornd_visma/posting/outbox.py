"""The outbox in the warehouse (`posting.outbox`, `posting.audit`, `posting.holds`): rows,
their states, and the audit of every request. Each state change is its own committed
transaction, so a crash at any point leaves a state the next run can act on: above all,
`sent` is committed *before* the request goes out, and a `sent` row is never sent again
without first asking Visma whether it arrived.

Every payload is fitted on its way in (`fit.fit`: text cleaned and cut to the `maxLength`
Visma's OpenAPI document gives its field, the tag kept), here and nowhere else, so customers,
ledger items, invoice drafts, reversals and vouchers alike hold only text Visma takes; what
the fitting changed is the row's `text_changes` (one line per field, `; `-separated).

The audit rows of the requests are written in the transaction of the next state change (the
one that records their outcome, or the next `sent`), so a commit — an fsync — is paid twice
per document, not per request; a kill loses at most the audit of the requests whose outcome
it also lost.
"""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ornd_visma.jsontext import dumps
from ornd_visma.posting.fit import fit, schema_for
from ornd_visma.visma.client import Exchange

SCHEMA_SQL = (Path(__file__).parent / "schema.sql").read_text()
SENDABLE = ("pending", "would_post", "failed")
OPEN = (*SENDABLE, "held")  # not yet in Visma, re-planned every run
LIVE = ("sent", "confirmed")  # in Visma, or maybe


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


@dataclass
class Row:
    outbox_key: str
    kind: str
    entity: str
    document_id: str
    document_number: str | None
    revision: str
    business_date: date | None
    location: str | None
    amount: Decimal | None
    payload: dict
    reverses: str | None
    state: str
    hold_reason: str | None
    attempts: int
    visma_id: str | None
    visma_voucher_id: str | None
    visma_draft_id: str | None
    last_sent_at: datetime | None
    text_changes: str | None = None  # what `fit` changed in the payload, `; `-separated


COLUMNS = (
    "outbox_key, kind, entity, document_id, document_number, revision, business_date, "
    "location, amount, payload, reverses, state, hold_reason, attempts, visma_id, "
    "visma_voucher_id, visma_draft_id, last_sent_at, text_changes"
)


# The columns `insert` gives, in its order, and their Arrow types for a bulk insert (the
# amount as text, which DuckDB casts to the column's DECIMAL as it does a bound parameter).
INSERT_COLUMNS = (
    "outbox_key", "kind", "entity", "document_id", "document_number", "revision",
    "business_date", "location", "amount", "payload", "reverses", "state", "hold_reason",
    "created_at", "updated_at", "text_changes",
)  # fmt: skip
INSERT_TYPES = (
    *[pa.string()] * 6, pa.date32(), pa.string(), pa.string(), *[pa.string()] * 4,
    pa.timestamp("us"), pa.timestamp("us"), pa.string(),
)  # fmt: skip


def is_voucher(row: Row) -> bool:
    """A periodisation voucher or its reversal (not a document's)."""
    return "VoucherDate" in row.payload and "Voucher" not in row.payload


def is_invoice_mode(row: Row) -> bool:
    """An invoice draft (invoice mode) or its reversal, a credit draft."""
    return row.kind == "invoice" or (row.kind == "reversal" and "OurReference" in row.payload)


def fitted(kind: str, payload: dict) -> tuple[str, str | None]:
    """The JSON text a payload of `kind` is stored as, and what fitting it changed."""
    body, changes = fit(payload, schema_for(kind, payload))
    return dumps(body).decode(), "; ".join(changes) or None


def as_stored(kind: str, payload: dict) -> dict:
    """`payload` as a row of `kind` holds it (fitted, read back): what to compare a freshly
    built payload with."""
    return loads(fitted(kind, payload)[0])


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(SCHEMA_SQL)


class Outbox:
    def __init__(self, conn: duckdb.DuckDBPyConnection, run_id: str | None = None) -> None:
        self.conn = conn
        self.run_id = run_id
        self._audit: list[list] = []
        self._in_tx = False
        # Rows `insert` holds back inside `bulk()`, by key (None: inserts go in at once).
        self._buffer: dict[str, list] | None = None
        ensure_schema(conn)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One commit for everything inside (nested uses join the outer one); the buffered
        audit rows go with it."""
        if self._in_tx:
            yield
            return
        self.conn.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield
            self._flush_inserts()
            self._flush_audit()
            self.conn.execute("COMMIT")
        except BaseException:
            self._buffer = None if self._buffer is None else {}
            self.conn.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False

    def _flush_audit(self) -> None:
        if self._audit:
            self.conn.executemany(
                "INSERT INTO posting.audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._audit,
            )
            self._audit = []

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Inside, `insert` holds its rows back and writes them in one statement: before the
        next read or write of the outbox through this object, and at the end. Planning
        inserts tens of thousands of rows; a statement per row costs milliseconds each (the
        primary key's index checked one row at a time), one statement for all of them costs
        less than a second. Reads see every row inserted, as without it."""
        if self._buffer is not None:
            yield
            return
        self._buffer = {}
        try:
            yield
            self._flush_inserts()
        finally:
            self._buffer = None

    def _flush_inserts(self) -> None:
        """Write the held-back rows in one `INSERT … SELECT` from an Arrow table (the first
        row of a key wins, and a key the outbox has is left alone, as `insert` does)."""
        if not self._buffer:
            return
        rows, self._buffer = list(self._buffer.values()), {}
        columns = list(zip(*rows, strict=True))
        batch = pa.table(
            [pa.array(v, type=t) for v, t in zip(columns, INSERT_TYPES, strict=True)],
            names=list(INSERT_COLUMNS),
        )
        names = ", ".join(INSERT_COLUMNS)
        self.conn.register("outbox_insert_batch", batch)
        try:
            self.conn.execute(
                f"INSERT INTO posting.outbox ({names}) SELECT {names} FROM outbox_insert_batch "
                "ON CONFLICT DO NOTHING"
            )
        finally:
            self.conn.unregister("outbox_insert_batch")

    def _sql(self, query: str, params: list | None = None) -> duckdb.DuckDBPyConnection:
        """Every statement on the outbox goes through here: held-back inserts first."""
        self._flush_inserts()
        return self.conn.execute(query, params or [])

    def flush(self) -> None:
        with self.transaction():
            pass

    # -- reading ---------------------------------------------------------------------------

    def _rows(self, where: str, params: list | None = None) -> list[Row]:
        found = self._sql(
            f"SELECT {COLUMNS} FROM posting.outbox WHERE {where}", params or []
        ).fetchall()
        return [Row(*r[:9], loads(r[9]), *r[10:]) for r in found]

    def get(self, key: str) -> Row | None:
        rows = self._rows("outbox_key = ?", [key])
        return rows[0] if rows else None

    def for_document(self, document_id: str) -> list[Row]:
        return self._rows("document_id = ? ORDER BY created_at, outbox_key", [document_id])

    def for_window(self, start: date, end: date) -> list[Row]:
        """The rows of the documents `core.documents` has in [start, end)."""
        return self._rows(
            """document_id IN (SELECT document_id FROM core.documents
                               WHERE business_date >= ? AND business_date < ?)
               ORDER BY created_at, outbox_key""",
            [start, end],
        )

    def in_state(self, states: tuple[str, ...], entity: str | None = None) -> list[Row]:
        marks = ", ".join("?" for _ in states)
        where = f"state IN ({marks})" + (" AND entity = ?" if entity else "")
        order = (
            " ORDER BY CASE kind WHEN 'customer' THEN 0 WHEN 'reversal' THEN 1 "
            "WHEN 'voucher' THEN 3 ELSE 2 END, business_date, document_number, created_at"
        )
        return self._rows(where + order, [*states, *([entity] if entity else [])])

    def confirmed_customer(self, entity: str, customer_number: str) -> str | None:
        found = self._sql(
            """SELECT visma_id FROM posting.outbox
               WHERE kind = 'customer' AND entity = ? AND state = 'confirmed'
                 AND json_extract_string(payload, '$.CustomerNumber') = ?
               ORDER BY confirmed_at DESC LIMIT 1""",
            [entity, customer_number],
        ).fetchone()
        return found[0] if found else None

    def customer_keys(self) -> set[str]:
        """The keys of every customer row (any state)."""
        return {
            k for (k,) in self._sql(
                "SELECT outbox_key FROM posting.outbox WHERE kind = 'customer'").fetchall()
        }  # fmt: skip

    def confirmed_customers(self) -> list[tuple[str, str, str]]:
        """(entity, OfficeRnD id, `company`/`member`) of every customer Visma holds."""
        return self._sql(
            """SELECT DISTINCT o.entity, o.document_id,
                   CASE WHEN json_extract(o.payload, '$.IsPrivatePerson')::BOOLEAN
                        THEN 'member' ELSE 'company' END
               FROM posting.outbox o
               WHERE o.kind = 'customer' AND o.state = 'confirmed'"""
        ).fetchall()

    def invoice_numbers(self) -> list[tuple[str, int, str, str]]:
        """(entity, InvoiceNumber, document id, kind) of every ledger item and reversal held
        or to be sent, oldest first."""
        return [
            row
            for row in self._sql(
                """SELECT entity,
                          TRY_CAST(json_extract_string(payload, '$.InvoiceNumber') AS BIGINT),
                          document_id, kind
                   FROM posting.outbox
                   WHERE kind IN ('ledger_item', 'reversal')
                     AND state NOT IN ('superseded', 'skipped')
                   ORDER BY created_at"""
            ).fetchall()
            if row[1] is not None
        ]

    def voucher_document_ids(self) -> list[str]:
        """The `document_id` of every periodisation voucher row."""
        return [
            d for (d,) in self._sql(
                "SELECT DISTINCT document_id FROM posting.outbox WHERE kind = 'voucher' "
                "ORDER BY 1"
            ).fetchall()
        ]  # fmt: skip

    def for_vouchers(self) -> list[Row]:
        """The rows (vouchers and their reversals) of every periodisation voucher."""
        return self._rows(
            """document_id IN (SELECT document_id FROM posting.outbox WHERE kind = 'voucher')
               ORDER BY created_at, outbox_key"""
        )

    def customer_failure(self, entity: str, customer_number: str) -> tuple[str, str] | None:
        """(state, error message) of the customer's newest row in `entity`, if any: why a
        document of it cannot be sent."""
        return self._sql(
            """SELECT state, error_message FROM posting.outbox
               WHERE kind = 'customer' AND entity = ? AND document_number = ?
               ORDER BY updated_at DESC LIMIT 1""",
            [entity, customer_number],
        ).fetchone()

    def manual_hold(self, document_id: str) -> str | None:
        found = self._sql(
            "SELECT reason FROM posting.holds WHERE document_id = ?", [document_id]
        ).fetchone()
        return found[0] if found else None

    def released(self, document_id: str) -> bool:
        return bool(
            self._sql(
                "SELECT 1 FROM posting.releases WHERE document_id = ?", [document_id]
            ).fetchone()
        )

    # -- writing ---------------------------------------------------------------------------

    def insert(
        self,
        key: str,
        *,
        kind: str,
        entity: str,
        document_id: str,
        revision: str,
        payload: dict,
        state: str,
        document_number: str | None = None,
        business_date: date | None = None,
        location: str | None = None,
        amount: Decimal | None = None,
        reverses: str | None = None,
        hold_reason: str | None = None,
    ) -> dict:
        """Insert a row (none when the key exists); returns the payload as stored (fitted)."""
        stamp = now()
        text, changes = fitted(kind, payload)
        values = [key, kind, entity, document_id, document_number, revision, business_date,
                  location, None if amount is None else str(amount), text, reverses, state,
                  hold_reason, stamp, stamp, changes]  # fmt: skip
        if self._buffer is not None:
            self._buffer.setdefault(key, values)  # the first insert of a key wins, as below
        else:
            self._sql(
                f"INSERT INTO posting.outbox ({', '.join(INSERT_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)}) ON CONFLICT DO NOTHING",
                values,
            )
        return loads(text)

    def set_state(self, key: str, state: str, hold_reason: str | None = None) -> None:
        with self.transaction():
            self._sql(
                "UPDATE posting.outbox SET state = ?, hold_reason = ?, updated_at = ? "
                "WHERE outbox_key = ?",
                [state, hold_reason, now(), key],
            )

    def set_payload(self, key: str, payload: dict, kind: str) -> None:
        """Replace the payload of a row never sent (the caller makes sure of that) by a newly
        built one of the row's `kind`, fitted."""
        text, changes = fitted(kind, payload)
        with self.transaction():
            self._sql(
                "UPDATE posting.outbox SET payload = ?, text_changes = ?, updated_at = ? "
                "WHERE outbox_key = ?",
                [text, changes, now(), key],
            )

    def redate(self, key: str, payload: dict) -> None:
        """Replace the payload of a row about to be sent by the same payload with its booking
        date moved (`dating.dated`): its text is already fitted, its `text_changes` stay."""
        with self.transaction():
            self._sql(
                "UPDATE posting.outbox SET payload = ?, updated_at = ? WHERE outbox_key = ?",
                [dumps(payload).decode(), now(), key],
            )

    def mark_sent(self, key: str) -> None:
        """Committed before the request goes out: from here the row is `sent` until Visma has
        been asked."""
        with self.transaction():
            stamp = now()
            self._sql(
                """UPDATE posting.outbox SET state = 'sent', attempts = attempts + 1,
                       first_sent_at = coalesce(first_sent_at, ?), last_sent_at = ?,
                       updated_at = ?, error_code = NULL, error_message = NULL
                   WHERE outbox_key = ?""",
                [stamp, stamp, stamp, key],
            )

    def mark_draft(self, key: str, draft_id: str) -> None:
        with self.transaction():
            self._sql(
                "UPDATE posting.outbox SET visma_draft_id = ?, updated_at = ? WHERE outbox_key = ?",
                [draft_id, now(), key],
            )

    def confirm(
        self,
        key: str,
        visma_id: str | None,
        voucher_id: str | None = None,
        number: str | None = None,
    ) -> None:
        with self.transaction():
            stamp = now()
            self._sql(
                """UPDATE posting.outbox SET state = 'confirmed', visma_id = ?,
                       visma_voucher_id = ?, visma_number = ?, confirmed_at = ?, updated_at = ?,
                       error_code = NULL, error_message = NULL
                   WHERE outbox_key = ?""",
                [visma_id, voucher_id, number, stamp, stamp, key],
            )

    def fail(self, key: str, code: int | None, message: str) -> None:
        with self.transaction():
            self._sql(
                """UPDATE posting.outbox SET state = 'failed', error_code = ?, error_message = ?,
                       updated_at = ? WHERE outbox_key = ?""",
                [code, message[:2000], now(), key],
            )

    def unresolved(self, key: str, message: str) -> None:
        """Still `sent`: the outcome is unknown, the next run asks Visma first."""
        with self.transaction():
            self._sql(
                "UPDATE posting.outbox SET error_message = ?, updated_at = ? WHERE outbox_key = ?",
                [message[:2000], now(), key],
            )

    def record(self, exchange: Exchange) -> None:
        """One request for `posting.audit` (written with the next state change)."""
        e = exchange
        self._audit.append(
            [e.sent_at.replace(tzinfo=None), e.entity, e.method, e.path, e.endpoint, e.status,
             e.outcome, e.error_code, (e.message or None) and e.message[:1000], e.error_id,
             e.elapsed_ms, e.tag, e.visma_id, self.run_id],
        )  # fmt: skip

    # -- hold / release --------------------------------------------------------------------

    def hold(self, document_id: str, reason: str) -> int:
        """Hold a document by hand: its unsent rows are held now and on every run."""
        self._sql(
            "INSERT OR REPLACE INTO posting.holds VALUES (?, ?, ?)",
            [document_id, reason, now()],
        )
        return self._hold_open(document_id, f"held by hand: {reason}")

    def _hold_open(self, document_id: str, reason: str) -> int:
        marks = ", ".join("?" for _ in SENDABLE)
        changed = self._sql(
            f"""UPDATE posting.outbox SET state = 'held', hold_reason = ?, updated_at = ?
                WHERE document_id = ? AND state IN ({marks}) RETURNING outbox_key""",
            [reason, now(), document_id, *SENDABLE],
        ).fetchall()
        return len(changed)

    def release(self, document_id: str) -> int:
        """Lift a hand hold, and let a document changed after posting be corrected; the next
        run re-plans it. Returns the number of rows set back to pending."""
        self._sql("DELETE FROM posting.holds WHERE document_id = ?", [document_id])
        self._sql("INSERT OR REPLACE INTO posting.releases VALUES (?, ?)", [document_id, now()])
        changed = self._sql(
            """UPDATE posting.outbox SET state = 'pending', hold_reason = NULL, updated_at = ?
               WHERE document_id = ? AND state = 'held' RETURNING outbox_key""",
            [now(), document_id],
        ).fetchall()
        return len(changed)
