"""Posting to Visma exactly once: plan the outbox from `core`, recover what a crash left
unknown, send what is pending, record every answer.

A run, per Visma company (entity):

1. **recover**: every row still `sent` (the request went out, the answer was never
   recorded: a kill between send and record, a dropped connection after Visma accepted, a
   timeout) is looked up in Visma by its tag, once it was last sent more than `settle_s`
   ago (a request that timed out, or was in flight when the process died, may still be
   stored by a slow Visma; looking earlier could miss it): the run waits for that moment
   (at most `settle_s`, once). Found: `confirmed` with Visma's ids. Not found: `pending`.
   Visma unreachable: it stays `sent`, and nothing else of that document moves this run.
2. **plan** the window's documents: each `ready` document revision gets one row (key from
   OfficeRnD id + revision), its customer one row per customer version. A document held in
   `core`, held by hand, in another currency than SEK, of a customer Visma cannot take, or
   whose voucher would not balance is `held` with the reasons; so is, in ledger mode, one whose
   OfficeRnD number gives no InvoiceNumber in its location's range, or one another document
   already has in that Visma company (`keys.invoice_number`). A document whose earlier
   revision is already in Visma is corrected (a reversal row negating the posted revision,
   then the new revision) or, with `on_change: hold`, held until `ornd-visma release`. A
   posted document that is gone from `core` (voided in OfficeRnD) is reversed. Unsent rows of
   older revisions are `superseded`.
3. **send** each sendable row (customers, then reversals, then documents, then vouchers):
   `sent` is committed before the request; then the request, whose retries look the document
   up in Visma first (the client's `find_existing`); then `confirmed`. Visma refusing a row
   marks it `failed` with Visma's message, and the run goes on with the others; after three
   rows in a row meet an unreachable Visma the entity stops for this run.

Why this is exactly once: a row is only ever sent from `pending`/`would_post`/`failed`
(states in which Visma provably does not hold it: never sent, superseded before sending, or
refused), and every path out of `sent` other than `confirmed` goes through a look-up in
Visma by the row's unique tag. A dry run sends nothing: it has no client at all.
"""


import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ornd_visma.jsontext import dumps
from ornd_visma.mapping import Mapping as BooksMapping
from ornd_visma.mapping.numbering import (
    NumberRange,
    Series,
    location_key,
    number_ranges,
    series_of,
)
from ornd_visma.posting import dating, payloads
from ornd_visma.posting.directory import Directory
from ornd_visma.posting.keys import (
    InvoiceNumberError,
    invoice_number,
    outbox_key,
    reversal_number,
    sha,
)
from ornd_visma.posting.outbox import LIVE, OPEN, SENDABLE, Outbox, Row, loads, now
from ornd_visma.visma.client import VismaApiError, VismaClient, VismaUnavailable

HERE = Path(__file__).parent
DOCUMENTS_SQL = (HERE / "documents.sql").read_text()
LINES_SQL = (HERE / "lines.sql").read_text()
LEDGER_PATH = "/customerledgeritems/customerledgeritemswithvoucher"
STOP_AFTER_UNAVAILABLE = 3
# How long after its last send a `sent` row may be looked up: beyond any request Visma could
# still be processing (the client gives up after 30 s).
SETTLE_S = 35.0
OPEN_END = date(9999, 12, 31)  # the latest window is open-ended, as in staging and books
DOCUMENT_KINDS = ("ledger_item", "invoice")
# The hold reason of a reversal that could not be numbered: it is retried every run, and until
# it is posted the revision it reverses counts as still in Visma.
UNNUMBERED_REVERSAL = "cannot number the reversal: "
# Sent with every periodisation voucher and its reversal: with the default (true) Visma gives
# each row its account's VAT code, so a deferral on 3001 would move the VAT report's base of
# code 10 into the month of service while the VAT itself stays with the invoice. With false
# and no VatCodeId on the rows, the vouchers carry no VAT code (faktureringsmetoden: base and
# VAT both follow the invoice).
VOUCHER_PARAMS = {"useDefaultVatCodes": "false"}
# The periodisation vouchers by source table: the kinds it gives and the mapping's
# balance-sheet account of each (deferred revenue, accrued income).
VOUCHER_SOURCES = (
    ("core.revenue_deferrals", payloads.DEFERRAL_KINDS, "deferred_revenue"),
    ("core.revenue_accruals", payloads.ACCRUAL_KINDS, "accrued_income"),
)


class SimulatedCrash(BaseException):
    """Raised by test hooks to stop a run dead at a chosen point (nothing catches it)."""


Hook = Callable[[str, str], None]  # (point, outbox key); points: before_send, after_send


@dataclass
class Summary:
    dry_run: bool
    planned: Counter = field(default_factory=Counter)  # new rows by state
    sent: int = 0
    confirmed: int = 0
    recovered: int = 0
    failed: list[tuple[str, str | None, str]] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[str, str | None, str]] = field(default_factory=list)
    would_post: list[tuple[str, str | None, Decimal | None]] = field(default_factory=list)
    previews: list[dict] = field(default_factory=list)
    requests: int = 0
    unreachable: dict[str, str] = field(default_factory=dict)  # entity -> why

    def as_metadata(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "planned": dict(self.planned),
            "sent": self.sent,
            "confirmed": self.confirmed,
            "recovered": self.recovered,
            "failed": len(self.failed),
            "unresolved": len(self.unresolved),
            "held": len(self.held),
            "would_post": len(self.would_post),
            "would_post_amount": str(sum((a or 0 for *_, a in self.would_post), Decimal(0))),
            "requests": self.requests,
            "unreachable_entities": dict(self.unreachable),
        }


class Poster:
    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        mapping: BooksMapping,
        clients: Mapping[str, VismaClient] | None = None,
        *,
        dry_run: bool = False,
        run_id: str | None = None,
        hook: Hook | None = None,
        preview_limit: int = 5,
        settle_s: float = SETTLE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not dry_run and clients is None:
            raise ValueError("a real run needs a Visma client per entity")
        self.conn = conn
        self.mapping = mapping
        self.clients = {} if dry_run else dict(clients or {})
        self.dry_run = dry_run
        self.outbox = Outbox(conn, run_id)
        self.hook = hook or (lambda point, key: None)
        self.summary = Summary(dry_run)
        self.preview_limit = preview_limit
        self.settle_s = settle_s
        self._sleep = sleep
        self._directories: dict[str, Directory] = {}
        self._customers_planned: set[str] = set()
        self._prefetched: dict[str, list[Row]] | None = None
        self._refetch: set[str] = set()  # documents whose rows changed after the prefetch
        self._holds: dict[str, str] | None = None
        self._customer_keys: set[str] | None = None
        self._customer_records: dict[tuple[str, str], dict | None] = {}
        self._reached: set[str] = set()
        self._locked_to: dict[str, date | None] = {}  # entity -> AccountingLockedTo
        self._ranges = number_ranges(mapping)
        self._location_codes: dict[str, str] | None = None  # OfficeRnD location id -> code
        self._numbers: dict[tuple[str, int], tuple[str, str]] | None = None
        for client in self.clients.values():
            client.on_exchange = self.outbox.record

    # -- the run ---------------------------------------------------------------------------

    def run(self, start: date, end: date | None) -> Summary:
        """Post the documents with business dates in [start, end) (end None: open-ended),
        and finish any document row an earlier run left unsent."""
        self._probe()
        if not self.dry_run:
            for entity in self.reachable:
                self.recover(entity)
        with self.outbox.transaction():  # planning is one commit: rolled back if it breaks
            self.plan_documents(start, end or OPEN_END)
            self.plan_customer_updates()
        if not self.dry_run:
            for entity in self.reachable:
                self.send(entity, vouchers=False)
        self.outbox.flush()
        return self.summary

    def run_vouchers(self, until: date) -> Summary:
        """Post the periodisation vouchers due by `until` (see `plan_vouchers`)."""
        self._probe()
        if not self.dry_run:
            for entity in self.reachable:
                self.recover(entity)
        with self.outbox.transaction():
            self.plan_vouchers(until)
        if not self.dry_run:
            for entity in self.reachable:
                self.send(entity, vouchers=True)
        self.outbox.flush()
        return self.summary

    def _probe(self) -> None:
        """Ask each Visma company for its settings once; one out of reach is left alone
        this run (its rows keep their states; the next run goes on), and said so."""
        for entity, client in self.clients.items():
            if entity in self.summary.unreachable or entity in self._reached:
                continue
            try:
                with client.tagged("probe"):
                    settings = client.get("/companysettings") or {}
                locked = settings.get("AccountingLockedTo")
                self._locked_to[entity] = date.fromisoformat(locked[:10]) if locked else None
                self._reached.add(entity)
            except VismaUnavailable as error:
                self.summary.unreachable[entity] = str(error)

    @property
    def reachable(self) -> list[str]:
        return [e for e in self.clients if e in self._reached]

    def directory(self, entity: str) -> Directory:
        if entity not in self._directories:
            if entity not in self.clients:
                raise VismaApiError(0, None, f"no Visma connection for entity {entity}")
            self._directories[entity] = Directory(self.clients[entity])
        return self._directories[entity]

    # -- recover ---------------------------------------------------------------------------

    def recover(self, entity: str) -> None:
        rows = self.outbox.in_state(("sent",), entity)
        newest = max((r.last_sent_at for r in rows if r.last_sent_at), default=None)
        if newest is not None:
            wait = (newest + timedelta(seconds=self.settle_s) - now()).total_seconds()
            if wait > 0:  # a request of the crashed or timed-out run may still be in Visma's hands
                self._sleep(wait)
        for row in rows:
            try:
                with self.clients[entity].tagged(row.outbox_key):
                    self._recover(row)
            except VismaUnavailable as error:
                self.summary.unresolved.append((row.outbox_key, str(error)))

    def _recover(self, row: Row) -> None:
        d = self.directory(row.entity)
        key = row.outbox_key
        if row.kind == "customer":
            self.outbox.set_state(key, "pending")  # sending a customer starts with a look-up
            return
        if is_voucher(row):  # a periodisation voucher or its reversal
            found = d.find_voucher(key)
            if found:
                self.outbox.confirm(
                    key, found["Id"], found["Id"], found.get("NumberAndNumberSeries")
                )
        elif self._invoice_mode_row(row):
            found = d.find_invoice(key)
            if found:
                self.outbox.confirm(
                    key, found["Id"], found.get("VoucherId"), str(found.get("InvoiceNumber"))
                )
            elif not row.visma_draft_id and (draft := d.find_draft(key)):
                self.outbox.mark_draft(key, draft["Id"])
        else:
            found = d.find_ledger_item(key)
            if found:
                self.outbox.confirm(
                    key,
                    found.get("Id"),
                    found.get("VoucherId"),
                    str(row.payload.get("InvoiceNumber")),
                )
        if found:
            self.summary.recovered += 1
        else:
            self.outbox.set_state(key, "pending")  # fmt: skip

    def _invoice_mode_row(self, row: Row) -> bool:
        return row.kind == "invoice" or (row.kind == "reversal" and "OurReference" in row.payload)

    # -- plan ------------------------------------------------------------------------------

    def _fresh_state(self) -> str:
        return "would_post" if self.dry_run else "pending"

    def plan_documents(self, start: date, end: date) -> None:
        params = {"start": start, "end": end}
        docs = _dicts(self.conn.execute(DOCUMENTS_SQL, params))
        lines: dict[str, list[dict]] = {}
        for line in _dicts(self.conn.execute(LINES_SQL, params)):
            lines.setdefault(line["document_id"], []).append(line)
        # one read of the window's outbox rows, holds and customers instead of one per document
        self._prefetched = {}
        for row in self.outbox.for_window(start, end):
            self._prefetched.setdefault(row.document_id, []).append(row)
        self._holds = dict(
            self.conn.execute("SELECT document_id, reason FROM posting.holds").fetchall()
        )
        self._customer_keys = {
            k for (k,) in self.conn.execute(
                "SELECT outbox_key FROM posting.outbox WHERE kind = 'customer'").fetchall()
        }  # fmt: skip
        try:
            for doc in docs:
                self._plan_document(doc, lines.get(doc["document_id"], []))
        finally:
            self._prefetched = None
        self._plan_voided(start, end)

    def _plan_document(self, doc: dict, lines: list[dict]) -> None:
        ident, entity = doc["document_id"], doc["entity"]
        ledger = self.mapping.posting_mode == "ledger"
        kind = "ledger_item" if ledger else "invoice"
        key = outbox_key("L" if ledger else "I", ident, doc["revision"])
        reasons: list[str] = []
        if doc["status"] != "ready":
            reasons += list(doc["hold_reasons"] or ["held in core.documents"])
        if entity not in self.mapping.entities:
            reasons.append(f"entity {entity!r} is not in the mapping's entities")
        if (doc["currency"] or "SEK") != "SEK":
            reasons.append(f"currency {doc['currency']}: only SEK documents are posted")
        manual = (
            self._holds.get(ident) if self._holds is not None else self.outbox.manual_hold(ident)
        )
        if manual:
            reasons.append(f"held by hand: {manual}")
        payload: dict = {}
        if not reasons:
            reasons += self._plan_customer(entity, doc["customer_id"], doc["customer_type"])
            try:
                number = self._document_number(doc) if ledger else None
                payload = self._document_payload(doc, lines, key, number)
            except InvoiceNumberError as error:
                reasons.append(str(error))
            except (ValueError, KeyError, TypeError) as error:
                reasons.append(f"cannot build the Visma document: {error}")
            else:
                if number is not None:
                    self._numbers_used()[(entity, number)] = (ident, "ledger_item")
        self._plan_revision(
            key, kind=kind, entity=entity, document_id=ident, revision=doc["revision"],
            payload=payload, reasons=reasons, document_number=doc["document_number"],
            business_date=doc["business_date"], location=doc["location"],
            amount=doc["posted_total"],
        )  # fmt: skip

    def _document_payload(self, doc: dict, lines: list[dict], key: str, number: int | None) -> dict:
        if not lines:
            raise ValueError(f"document {doc['document_id']} has no lines in core.invoice_lines")
        if self.mapping.posting_mode == "ledger":
            assert number is not None
            return payloads.ledger_item(
                doc,
                lines,
                receivable=self.mapping.accounts.receivable,
                rounding=self.mapping.accounts.rounding,
                customer_name=doc["customer_name"],
                key=key,
                invoice_number=number,
            )
        missing = [str(line["line_no"]) for line in lines if not line.get("article")]
        if missing:
            raise ValueError(f"lines {', '.join(missing)} have no article (invoice mode)")
        return payloads.invoice_draft(doc, lines, key=key)

    # -- invoice numbers (ledger mode) -----------------------------------------------------

    def _number_range(self, location: str | None, series: Series) -> NumberRange:
        if self._location_codes is None:
            staged = self.conn.execute(
                "SELECT 1 FROM duckdb_tables() "
                "WHERE schema_name = 'staging' AND table_name = 'locations'"
            ).fetchone()
            self._location_codes = (
                dict(self.conn.execute("SELECT id, code FROM staging.locations").fetchall())
                if staged
                else {}
            )
        code = self._location_codes.get(location or "")
        key = location_key(self.mapping, code, location)
        if key is None:
            raise InvoiceNumberError(
                f"location {code or location} is not in the mapping's locations: it has no "
                "invoice number range"
            )
        return self._ranges[(key, series)]

    def _numbers_used(self) -> dict[tuple[str, int], tuple[str, str]]:
        """(entity, InvoiceNumber) -> (document id, kind) of every ledger item and reversal
        the outbox holds or will send."""
        if self._numbers is None:
            found = self.conn.execute(
                """SELECT entity,
                          TRY_CAST(json_extract_string(payload, '$.InvoiceNumber') AS BIGINT),
                          document_id, kind
                   FROM posting.outbox
                   WHERE kind IN ('ledger_item', 'reversal')
                     AND state NOT IN ('superseded', 'skipped')
                   ORDER BY created_at"""
            ).fetchall()
            self._numbers = {}
            for entity, number, document_id, kind in found:
                if number is not None:
                    self._numbers.setdefault((entity, number), (document_id, kind))
        return self._numbers

    def _document_number(self, doc: dict) -> int:
        """The document's InvoiceNumber, unless it has none or another document has it."""
        numbers = self._number_range(doc["location"], series_of(doc["document_type"]))
        number = invoice_number(
            doc["document_number"], numbers, self.mapping.numbering.sequence_pattern
        )
        holder = self._numbers_used().get((doc["entity"], number))
        if holder and (holder[0] != doc["document_id"] or holder[1] == "reversal"):
            raise InvoiceNumberError(
                f"OfficeRnD number {doc['document_number']!r} gives InvoiceNumber {number}, "
                f"which the {holder[1].replace('_', ' ')} of document {holder[0]} already has "
                f"in Visma company {doc['entity']} (is OfficeRnD's numbering reset by month or "
                "year? see `ornd-visma doctor`)"
            )
        return number

    def _plan_revision(
        self,
        key: str,
        *,
        kind: str,
        entity: str,
        document_id: str,
        revision: str,
        payload: dict,
        reasons: list[str],
        document_number: str | None,
        business_date: date | None,
        location: str | None,
        amount: Decimal | None,
        correct: bool | None = None,
    ) -> None:
        all_rows = self._rows_of(document_id)
        existing = [r for r in all_rows if r.outbox_key != key]
        if any(r.state == "sent" for r in existing):
            return  # unknown whether an older revision is in Visma: wait for recovery
        live = self._live_unreversed(existing)
        if live and not reasons:
            correct = self.mapping.on_change == "correct" if correct is None else correct
            if not correct and not self.outbox.released(document_id):
                reasons.append(
                    f"changed in OfficeRnD after posting: {live[0].outbox_key} is in Visma; "
                    f"review it, then `ornd-visma release {document_id}` corrects it"
                )
            else:
                for old in live:
                    problem = self._plan_reversal(old, "changed after posting")
                    if problem:
                        reasons.append(f"{old.outbox_key} is in Visma and {problem}")
        if not self.dry_run:
            for old in existing:
                if old.state in OPEN and old.kind != "reversal":
                    self.outbox.set_state(old.outbox_key, "superseded")
        empty = payload and not _moves_money(payload)
        state = "held" if reasons else ("skipped" if empty else self._fresh_state())
        reason = "; ".join(reasons) or ("nothing to book: all amounts are zero" if empty else None)
        current = next((r for r in all_rows if r.outbox_key == key), None)
        if current is None:
            self.outbox.insert(
                key, kind=kind, entity=entity, document_id=document_id, revision=revision,
                payload=payload, state=state, document_number=document_number,
                business_date=business_date, location=location, amount=amount,
                hold_reason=reason,
            )  # fmt: skip
            self.summary.planned[state] += 1
            current = Row(key, kind, entity, document_id, document_number, revision,
                          business_date, location, amount, payload, None, state, reason, 0,
                          None, None, None, None)  # fmt: skip
        elif current.state in OPEN and not self.dry_run:
            if payload and loads(dumps(payload)) != current.payload:
                # never sent: what it would send follows the mapping (e.g. a range pinned
                # after a number was held), the revision being the same
                self.outbox.set_payload(key, payload)
                current = replace(current, payload=loads(dumps(payload)))
            if state == "held" or current.state in ("held", "would_post"):
                self.outbox.set_state(key, state, reason)
                current = replace(current, state=state, hold_reason=reason)
        self._note(current)

    def _rows_of(self, document_id: str) -> list[Row]:
        """The document's outbox rows: from the window's prefetch when there is one."""
        if self._prefetched is not None and document_id not in self._refetch:
            return self._prefetched.get(document_id, [])
        return self.outbox.for_document(document_id)

    def _live_unreversed(self, rows: list[Row]) -> list[Row]:
        reversed_keys = {
            r.reverses
            for r in rows
            if r.kind == "reversal"
            and not (r.state == "held" and (r.hold_reason or "").startswith(UNNUMBERED_REVERSAL))
        }
        return [
            r
            for r in rows
            if r.kind in (*DOCUMENT_KINDS, "voucher")
            and r.state in LIVE
            and r.outbox_key not in reversed_keys
        ]

    def _plan_reversal(self, old: Row, why: str) -> str | None:
        """Plan the reversal of a posted revision; the reason it is held, if it cannot be
        numbered (it is tried again every run, and the revision counts as unreversed)."""
        self._refetch.add(old.document_id)
        key = outbox_key("R", old.document_id, old.revision)
        current = self.outbox.get(key)
        retry = (
            current is not None
            and current.state == "held"
            and (current.hold_reason or "").startswith(UNNUMBERED_REVERSAL)
        )
        if current is not None and (not retry or self.dry_run):
            return current.hold_reason if retry else None
        problem = None
        if self._invoice_mode_row(old):
            payload = payloads.invoice_reversal(old.payload, key, old.outbox_key)
        elif "Voucher" in old.payload:  # a ledger item: a document of its own in Visma
            try:
                numbers = self._number_range(old.location, "reversal")
                used = [n for (e, n) in self._numbers_used() if e == old.entity]
                number: int | None = reversal_number(numbers, used)
            except InvoiceNumberError as error:
                number, problem = None, f"{UNNUMBERED_REVERSAL}{error}"
            payload = payloads.reversal(old.payload, key, old.outbox_key, invoice_number=number)
            if number is None:
                payload.pop("InvoiceNumber", None)  # never the reversed item's own number
            else:
                self._numbers_used()[(old.entity, number)] = (old.document_id, "reversal")
        else:
            payload = payloads.reversal(old.payload, key, old.outbox_key)
        state = "held" if problem else self._fresh_state()
        if current is None:
            self.outbox.insert(
                key, kind="reversal", entity=old.entity, document_id=old.document_id,
                revision=old.revision, payload=payload, state=state,
                document_number=old.document_number, business_date=old.business_date,
                location=old.location, amount=-(old.amount or 0), reverses=old.outbox_key,
                hold_reason=problem or why,
            )  # fmt: skip
            self.summary.planned[state] += 1
        elif problem is None:  # numbered now: it goes out
            self.outbox.set_payload(key, payload)
            self.outbox.set_state(key, state, why)
        self._note(self.outbox.get(key))
        return problem

    def _plan_voided(self, start: date, end: date) -> None:
        """Posted documents of the window that `core` no longer has (voided) are reversed."""
        gone = self.conn.execute(
            """SELECT DISTINCT o.document_id FROM posting.outbox o
               WHERE o.kind IN ('ledger_item', 'invoice') AND o.state = 'confirmed'
                 AND o.business_date >= ? AND o.business_date < ?
                 AND o.document_id NOT IN (SELECT document_id FROM core.documents)""",
            [start, end],
        ).fetchall()
        for (document_id,) in gone:
            for old in self._live_unreversed(self.outbox.for_document(document_id)):
                self._plan_reversal(old, "gone from OfficeRnD's books (voided)")

    def _customer_record(self, customer_id: str, customer_type: str) -> dict | None:
        if not self._customer_records:
            for kind, table in (("company", "companies"), ("member", "members")):
                for ident, payload in self.conn.execute(
                    f"SELECT id, payload FROM staging.{table}"
                ).fetchall():
                    self._customer_records[(kind, ident)] = json.loads(payload)
        return self._customer_records.get((customer_type, customer_id))

    def _plan_customer(self, entity: str, customer_id: str, customer_type: str) -> list[str]:
        """Plan the customer's current version in `entity`; the reasons a document of it must
        wait (none when the customer can be sent)."""
        record = self._customer_record(customer_id, customer_type)
        if record is None:
            return [f"customer {customer_type} {customer_id} is not in staging"]
        body, problems = payloads.customer(record, customer_type)
        if problems:
            return [f"customer: {p}" for p in problems]
        revision = sha(dumps(body))
        key = outbox_key("C", customer_id, revision, entity)
        if key in self._customers_planned:
            return []
        self._customers_planned.add(key)
        exists = (
            key in self._customer_keys
            if self._customer_keys is not None
            else self.outbox.get(key) is not None
        )
        if not exists:
            if not self.dry_run:
                for old in self.outbox.for_document(customer_id):
                    if old.entity == entity and old.state in OPEN:
                        self.outbox.set_state(old.outbox_key, "superseded")
            self.outbox.insert(
                key, kind="customer", entity=entity, document_id=customer_id,
                revision=revision, payload=body, state=self._fresh_state(),
                document_number=body["CustomerNumber"],
            )  # fmt: skip
            self.summary.planned[self._fresh_state()] += 1
            self._note(self.outbox.get(key))
        return []

    def plan_customer_updates(self) -> None:
        """Customers already in Visma whose OfficeRnD record changed get their new version."""
        known = self.conn.execute(
            """SELECT DISTINCT o.entity, o.document_id,
                   CASE WHEN json_extract(o.payload, '$.IsPrivatePerson')::BOOLEAN
                        THEN 'member' ELSE 'company' END
               FROM posting.outbox o
               WHERE o.kind = 'customer' AND o.state = 'confirmed'"""
        ).fetchall()
        for entity, customer_id, customer_type in known:
            self._plan_customer(entity, customer_id, customer_type)

    def plan_vouchers(self, until: date) -> None:
        """The periodisation vouchers due by `until`, per entity and month: the deferral and
        the accrual of each month that ended before `until` (dated its last day), the release
        and the accrual reversal of each month that started by then (dated its first day).

        A voucher's content is its rows; their hash is its revision, so a late document that
        changes a month already posted gives a new revision, and the posted one is reversed
        (on its own date) before the new one goes: the vouchers converge on the books as
        invoices arrive (an accrual of October is only known when November's bill run has
        invoiced October's fees, and grows when a later invoice bills more of it). A posted
        voucher whose month has nothing left to move (its documents voided, accruals turned
        off with `accrue_income: false`) is reversed."""
        planned: set[str] = set()
        for table, kinds, account_name in VOUCHER_SOURCES:
            if kinds == payloads.ACCRUAL_KINDS and not self.mapping.accrue_income:
                continue
            balance_account = getattr(self.mapping.accounts, account_name)
            groups: dict[tuple[str, date], list[dict]] = {}
            for row in _dicts(self.conn.execute(f"SELECT * FROM {table} ORDER BY ALL")):
                groups.setdefault((row["entity"], row["month"]), []).append(row)
            for (entity, month), group in sorted(groups.items()):
                for kind in kinds:
                    if _voucher_due(kind, month, until) and self._plan_voucher(
                        group, kind, entity, month, balance_account
                    ):
                        planned.add(voucher_document_id(kind, entity, month))
        self._reverse_emptied_vouchers(until, planned)

    def _plan_voucher(
        self, group: list[dict], kind: str, entity: str, month: date, balance_account: int
    ) -> bool:
        """Plan the voucher of `kind` for the month's rows; False when it moves nothing."""

        def build(key: str) -> dict | None:
            return payloads.periodisation_voucher(
                group, kind=kind, month=month, entity=entity, key=key,
                balance_account=balance_account,
            )  # fmt: skip

        probe = build("")
        if probe is None:
            return False
        document_id = voucher_document_id(kind, entity, month)
        content = dumps(probe["Rows"])
        # Content that comes back after it was reversed (A, then B, then A again: a later
        # invoice credited in full) is posted anew under a key of its own: the old key's
        # voucher is in Visma, but cancelled by its reversal.
        reversed_keys = {r.reverses for r in self._rows_of(document_id) if r.kind == "reversal"}
        generation = 0
        while True:
            revision = sha(content + (f"#{generation}".encode() if generation else b""))
            key = outbox_key("V", f"{kind}-{entity}-{month:%Y-%m}", revision)
            if key not in reversed_keys:
                break
            generation += 1
        body = build(key)
        assert body is not None
        total = sum((Decimal(r.get("DebitAmount", 0)) for r in body["Rows"]), Decimal(0))
        self._plan_revision(
            key, kind="voucher", entity=entity, document_id=document_id, revision=revision,
            payload=body, reasons=[], document_number=None,
            business_date=date.fromisoformat(body["VoucherDate"]), location=None,
            amount=total, correct=True,
        )  # fmt: skip
        return True

    def _reverse_emptied_vouchers(self, until: date, planned: set[str]) -> None:
        """Vouchers due by `until` that Visma holds (or may) but that have nothing to move
        now are reversed; their unsent rows are superseded."""
        ids = self.conn.execute(
            "SELECT DISTINCT document_id FROM posting.outbox WHERE kind = 'voucher'"
        ).fetchall()
        for (document_id,) in ids:
            parsed = parse_voucher_document_id(document_id)
            if (
                document_id in planned
                or parsed is None
                or not _voucher_due(parsed[0], parsed[2], until)
            ):
                continue
            rows = self.outbox.for_document(document_id)
            if any(r.state == "sent" for r in rows):
                continue  # unknown whether it is in Visma: wait for recovery
            for old in self._live_unreversed(rows):
                self._plan_reversal(old, "nothing to book any more for its month")
            if not self.dry_run:
                for old in rows:
                    if old.state in OPEN and old.kind != "reversal":
                        self.outbox.set_state(old.outbox_key, "superseded")

    def _note(self, row: Row | None) -> None:
        if row is None:
            return
        if row.state == "held":
            self.summary.held.append((row.outbox_key, row.document_number, row.hold_reason or ""))
        elif row.state in SENDABLE:
            self.summary.would_post.append((row.outbox_key, row.document_number, row.amount))
            if len(self.summary.previews) < self.preview_limit:
                self.summary.previews.append({"outbox_key": row.outbox_key, **row.payload})

    # -- send ------------------------------------------------------------------------------

    def send(self, entity: str, vouchers: bool | None = None) -> None:
        """Send the entity's sendable rows: all, or only vouchers / only the others."""
        unavailable = 0
        client = self.clients[entity]
        for row in self.outbox.in_state(SENDABLE, entity):
            if vouchers is not None and is_voucher(row) != vouchers:
                continue
            before = client.requests
            try:
                with client.tagged(row.outbox_key):
                    self._send(row)
                unavailable = 0
            except VismaApiError as error:
                self.outbox.fail(row.outbox_key, error.error_code, str(error))
                self.summary.failed.append((row.outbox_key, row.document_number, str(error)))
            except VismaUnavailable as error:
                self.outbox.unresolved(row.outbox_key, str(error))
                self.summary.unresolved.append((row.outbox_key, str(error)))
                unavailable += 1
                if unavailable >= STOP_AFTER_UNAVAILABLE:
                    break
            finally:
                self.summary.requests += client.requests - before

    def _customer_id(self, row: Row) -> str:
        number = row.payload["CustomerNumber"]
        d = self.directory(row.entity)
        known = d.known_customer(number) or self.outbox.confirmed_customer(row.entity, number)
        ident = d.customer_id(number, known)
        if ident is None:
            failure = self.conn.execute(
                """SELECT state, error_message FROM posting.outbox
                   WHERE kind = 'customer' AND entity = ? AND document_number = ?
                   ORDER BY updated_at DESC LIMIT 1""",
                [row.entity, number],
            ).fetchone()
            detail = f" (customer row {failure[0]}: {failure[1]})" if failure else ""
            raise VismaApiError(0, None, f"customer {number} is not in Visma{detail}")
        return ident

    def _send(self, row: Row) -> None:
        d = self.directory(row.entity)
        client = self.clients[row.entity]
        key = row.outbox_key
        if row.kind != "customer":
            moved = dating.dated(row.payload, self._locked_to.get(row.entity))
            if moved is not None:  # its period is locked in Visma: the first open day
                self.outbox.set_payload(key, moved)
                row = replace(row, payload=moved)
        if row.kind == "customer":
            number = row.payload["CustomerNumber"]
            existing = row.visma_id or self.outbox.confirmed_customer(row.entity, number)
            if existing is None:
                found = d.find_customer(number)
                existing = found["Id"] if found else None
            body = {**row.payload, "TermsOfPaymentId": d.terms_id()}
            self.outbox.mark_sent(key)
            self.summary.sent += 1
            self.hook("before_send", key)
            if existing:
                result = client.put(f"/customers/{existing}", body)
            else:
                result = client.post(
                    "/customers", body, find_existing=lambda: d.find_customer(number)
                )
            self.hook("after_send", key)
            d.customer_id(number, result["Id"])
            self.outbox.confirm(key, result["Id"], number=number)
        elif is_voucher(row):  # a periodisation voucher or its reversal: no VAT codes
            body = d.resolve(row.payload, None)
            self.outbox.mark_sent(key)
            self.summary.sent += 1
            self.hook("before_send", key)
            result = client.post(
                "/vouchers", body, VOUCHER_PARAMS, find_existing=lambda: d.find_voucher(key)
            )
            self.hook("after_send", key)
            self.outbox.confirm(
                key, result["Id"], result["Id"], result.get("NumberAndNumberSeries")
            )
        elif self._invoice_mode_row(row):
            body = d.resolve(row.payload, self._customer_id(row))
            validation = row.payload.get("Validation")
            self.outbox.mark_sent(key)
            self.summary.sent += 1
            self.hook("before_send", key)
            draft_id = row.visma_draft_id
            if not draft_id:
                draft = client.post(
                    "/customerinvoicedrafts", body, find_existing=lambda: d.find_draft(key)
                )
                draft_id = draft["Id"]
                self.outbox.mark_draft(key, draft_id)
            result = client.post(
                f"/customerinvoicedrafts/{draft_id}/convert",
                validation,
                find_existing=lambda: d.find_invoice(key),
            )
            self.hook("after_send", key)
            self.outbox.confirm(
                key, result["Id"], result.get("VoucherId"), str(result.get("InvoiceNumber"))
            )
        else:
            body = d.resolve(row.payload, self._customer_id(row))
            self.outbox.mark_sent(key)
            self.summary.sent += 1
            self.hook("before_send", key)
            result = client.post(LEDGER_PATH, body, find_existing=lambda: d.find_ledger_item(key))
            self.hook("after_send", key)
            self.outbox.confirm(
                key,
                result.get("Id"),
                result.get("VoucherId"),
                str(row.payload.get("InvoiceNumber")),
            )
        self.summary.confirmed += 1  # fmt: skip


def is_voucher(row: Row) -> bool:
    """A periodisation voucher or its reversal (not a document's)."""
    return "VoucherDate" in row.payload and "Voucher" not in row.payload


def voucher_document_id(kind: str, entity: str, month: date) -> str:
    """The outbox `document_id` of a periodisation voucher: `<kind>:<entity>:<YYYY-MM>`."""
    return f"{kind}:{entity}:{month:%Y-%m}"


def parse_voucher_document_id(document_id: str) -> tuple[str, str, date] | None:
    """(kind, entity, first of the month) of a periodisation voucher's `document_id`."""
    kind, _, rest = document_id.partition(":")
    entity, _, month = rest.rpartition(":")
    if kind not in payloads.PERIODISATION or not entity:
        return None
    try:
        return kind, entity, date.fromisoformat(f"{month}-01")
    except ValueError:
        return None


def _voucher_due(kind: str, month: date, until: date) -> bool:
    """A voucher dated a month's last day is due once the month has ended before `until`
    (its documents are in); one dated the first day once the month has started."""
    if payloads.PERIODISATION[kind].dated == "last":
        return payloads.month_end(month) < until
    return month <= until


def _moves_money(payload: dict) -> bool:
    rows = (payload.get("Voucher") or payload).get("Rows") or []
    return any(r.get("DebitAmount") or r.get("CreditAmount") or r.get("UnitPrice") for r in rows)


def _dicts(result: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


__all__ = ["Poster", "SimulatedCrash", "Summary", "loads"]
