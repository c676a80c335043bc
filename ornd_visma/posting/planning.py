"""Planning the outbox: from the books' rows (`core` documents and lines, the customers'
OfficeRnD records, the periodisation tables; read by `sources`), the outbox's existing rows
and the mapping, the outbox rows a run owes Visma. No Visma client anywhere: a dry run is a
plan and nothing else, and a plan never depends on what Visma answers.

* Each `ready` document revision gets one row (key from OfficeRnD id + revision), its
  customer one row per customer version. A document held in `core`, held by hand, in another
  currency than SEK, of a customer Visma cannot take (no name, no address city/zip, a field
  of a type the record should not have: `record.Fields`), or whose voucher would not balance
  is `held` with the reasons; so is, in ledger mode, one whose OfficeRnD number gives no
  InvoiceNumber in its location's range, or one another document already has in that Visma
  company (`invoice_numbers`).
* A document whose earlier revision is already in Visma is corrected (a reversal row
  negating the posted revision, then the new revision) or, with `on_change: hold`, held
  until `ornd-visma release`. A posted document gone from `core` (voided in OfficeRnD) is
  reversed. Unsent rows of older revisions are `superseded`. A document with a row still
  `sent` (unknown whether Visma has it) is left alone until recovery has settled it.
* The periodisation vouchers due by a day (`plan_vouchers`), one per entity, month and kind,
  corrected the same way when a late document changes a month already posted.

Every row goes in through `Outbox.insert` / `Outbox.set_payload`, which fit its payload to
Visma's field lengths and say what changed (`text_changes`). The plain rules (why a document
is held, the state a revision gets, when a voucher is due) are functions below, tested on
their own.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from ornd_visma.jsontext import dumps
from ornd_visma.mapping import Mapping
from ornd_visma.posting import payloads
from ornd_visma.posting.invoice_numbers import InvoiceNumbers
from ornd_visma.posting.keys import InvoiceNumberError, outbox_key, sha
from ornd_visma.posting.outbox import (
    LIVE,
    OPEN,
    SENDABLE,
    Outbox,
    Row,
    as_stored,
    is_invoice_mode,
)
from ornd_visma.posting.sources import Sources, Unparsed
from ornd_visma.posting.summary import Summary

OPEN_END = date(9999, 12, 31)  # the latest window is open-ended, as in staging and books
DOCUMENT_KINDS = ("ledger_item", "invoice")
# The hold reason of a reversal that could not be numbered: it is retried every run, and until
# it is posted the revision it reverses counts as still in Visma.
UNNUMBERED_REVERSAL = "cannot number the reversal: "
# The periodisation vouchers by source table: the kinds it gives and the mapping's
# balance-sheet account of each (deferred revenue, accrued income).
VOUCHER_SOURCES = (
    ("core.revenue_deferrals", payloads.DEFERRAL_KINDS, "deferred_revenue"),
    ("core.revenue_accruals", payloads.ACCRUAL_KINDS, "accrued_income"),
)
EMPTY = "nothing to book: all amounts are zero"


# -- the rules ---------------------------------------------------------------------------


def document_reasons(doc: dict, mapping: Mapping, manual_hold: str | None) -> list[str]:
    """Why a document of `core.documents` is not posted before anything is built: held in
    the books, an entity the mapping lacks, another currency than SEK, held by hand."""
    reasons: list[str] = []
    if doc["status"] != "ready":
        reasons += list(doc["hold_reasons"] or ["held in core.documents"])
    if doc["entity"] not in mapping.entities:
        reasons.append(f"entity {doc['entity']!r} is not in the mapping's entities")
    if (doc["currency"] or "SEK") != "SEK":
        reasons.append(f"currency {doc['currency']}: only SEK documents are posted")
    if manual_hold:
        reasons.append(f"held by hand: {manual_hold}")
    return reasons


def revision_state(reasons: list[str], payload: dict, fresh: str) -> tuple[str, str | None]:
    """(state, hold reason) of a planned revision: `held` with its reasons, `skipped` when
    its payload moves no money, else `fresh` (`pending`, or a dry run's `would_post`)."""
    empty = bool(payload) and not moves_money(payload)
    state = "held" if reasons else ("skipped" if empty else fresh)
    return state, "; ".join(reasons) or (EMPTY if empty else None)


def moves_money(payload: dict) -> bool:
    rows = (payload.get("Voucher") or payload).get("Rows") or []
    return any(r.get("DebitAmount") or r.get("CreditAmount") or r.get("UnitPrice") for r in rows)


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


def voucher_due(kind: str, month: date, until: date) -> bool:
    """A voucher dated a month's last day is due once the month has ended before `until`
    (its documents are in); one dated the first day once the month has started."""
    if payloads.PERIODISATION[kind].dated == "last":
        return payloads.month_end(month) < until
    return month <= until


def live_unreversed(rows: list[Row]) -> list[Row]:
    """The document's rows Visma holds (or may) that no reversal cancels (one held because
    it could not be numbered does not)."""
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


# -- the planner -------------------------------------------------------------------------


class Planner:
    def __init__(
        self,
        outbox: Outbox,
        mapping: Mapping,
        summary: Summary,
        *,
        sources: Sources | None = None,
        dry_run: bool = False,
        preview_limit: int = 5,
    ) -> None:
        self.outbox = outbox
        self.mapping = mapping
        self.summary = summary
        self.sources = sources or Sources(outbox.conn)
        self.dry_run = dry_run
        self.preview_limit = preview_limit
        self.numbers = InvoiceNumbers(mapping, self.sources.location_codes, outbox.invoice_numbers)
        self._customers_planned: set[str] = set()
        self._customer_bodies: dict[tuple[str, str], tuple[dict, str, tuple[str, ...]]] = {}
        self._prefetched: dict[str, list[Row]] | None = None
        self._refetch: set[str] = set()  # documents whose rows changed after the prefetch
        self._holds: dict[str, str] | None = None
        self._customer_keys: set[str] | None = None

    @property
    def fresh_state(self) -> str:
        return "would_post" if self.dry_run else "pending"

    # -- documents -------------------------------------------------------------------------

    def plan_documents(self, start: date, end: date) -> None:
        """The documents with business dates in [start, end), and the posted ones of the
        window that left the books."""
        # Set-based first: the documents Visma already holds as they are need nothing, so
        # no payload is built for them (the daily run's window is nearly all of them).
        prefix = "L" if self.mapping.posting_mode == "ledger" else "I"
        settled = self.sources.settled(start, end, prefix)
        docs = [d for d in self.sources.documents(start, end) if d["document_id"] not in settled]
        lines = self.sources.lines(start, end)
        # one read of the window's outbox rows, holds and customers instead of one per document
        self._prefetched = {}
        for row in self.outbox.for_window(start, end):
            self._prefetched.setdefault(row.document_id, []).append(row)
        self._holds = self.sources.holds()
        self._customer_keys = self.outbox.customer_keys()
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
        manual = (
            self._holds.get(ident) if self._holds is not None else self.outbox.manual_hold(ident)
        )
        reasons = document_reasons(doc, self.mapping, manual)
        payload: dict = {}
        if not reasons:
            reasons += self.plan_customer(entity, doc["customer_id"], doc["customer_type"])
            try:
                number = self.numbers.of_document(doc) if ledger else None
                payload = self._document_payload(doc, lines, key, number)
            except InvoiceNumberError as error:
                reasons.append(str(error))
            except (ValueError, KeyError, TypeError) as error:
                reasons.append(f"cannot build the Visma document: {error}")
            else:
                if number is not None:
                    self.numbers.take(entity, number, ident, "ledger_item")
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
        live = live_unreversed(existing)
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
        state, reason = revision_state(reasons, payload, self.fresh_state)
        current = next((r for r in all_rows if r.outbox_key == key), None)
        if current is None:
            stored = self.outbox.insert(
                key, kind=kind, entity=entity, document_id=document_id, revision=revision,
                payload=payload, state=state, document_number=document_number,
                business_date=business_date, location=location, amount=amount,
                hold_reason=reason,
            )  # fmt: skip
            self.summary.planned[state] += 1
            current = Row(key, kind, entity, document_id, document_number, revision,
                          business_date, location, amount, stored, None, state, reason, 0,
                          None, None, None, None)  # fmt: skip
        elif current.state in OPEN and not self.dry_run:
            if payload and as_stored(kind, payload) != current.payload:
                # never sent: what it would send follows the mapping (e.g. a range pinned
                # after a number was held), the revision being the same
                self.outbox.set_payload(key, payload, kind)
                current = replace(current, payload=as_stored(kind, payload))
            if state == "held" or current.state in ("held", "would_post"):
                self.outbox.set_state(key, state, reason)
                current = replace(current, state=state, hold_reason=reason)
        self._note(current)

    def _rows_of(self, document_id: str) -> list[Row]:
        """The document's outbox rows: from the window's prefetch when there is one."""
        if self._prefetched is not None and document_id not in self._refetch:
            return self._prefetched.get(document_id, [])
        return self.outbox.for_document(document_id)

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
        if is_invoice_mode(old):
            payload = payloads.invoice_reversal(old.payload, key, old.outbox_key)
        elif "Voucher" in old.payload:  # a ledger item: a document of its own in Visma
            try:
                number: int | None = self.numbers.of_reversal(old.entity, old.location)
            except InvoiceNumberError as error:
                number, problem = None, f"{UNNUMBERED_REVERSAL}{error}"
            payload = payloads.reversal(old.payload, key, old.outbox_key, invoice_number=number)
            if number is None:
                payload.pop("InvoiceNumber", None)  # never the reversed item's own number
            else:
                self.numbers.take(old.entity, number, old.document_id, "reversal")
        else:
            payload = payloads.reversal(old.payload, key, old.outbox_key)
        state = "held" if problem else self.fresh_state
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
            self.outbox.set_payload(key, payload, "reversal")
            self.outbox.set_state(key, state, why)
        self._note(self.outbox.get(key))
        return problem

    def _plan_voided(self, start: date, end: date) -> None:
        """Posted documents of the window that `core` no longer has (voided) are reversed."""
        for document_id in self.sources.voided(start, end):
            for old in live_unreversed(self.outbox.for_document(document_id)):
                self._plan_reversal(old, "gone from OfficeRnD's books (voided)")

    # -- customers -------------------------------------------------------------------------

    def plan_customer(self, entity: str, customer_id: str, customer_type: str) -> list[str]:
        """Plan the customer's current version in `entity`; the reasons a document of it must
        wait (none when the customer can be sent)."""
        built = self._customer_bodies.get((customer_type, customer_id))
        if built is None:
            built = self._customer_body(customer_type, customer_id)
            self._customer_bodies[(customer_type, customer_id)] = built
        body, revision, reasons = built
        if reasons:
            return list(reasons)
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
            stored = self.outbox.insert(
                key, kind="customer", entity=entity, document_id=customer_id,
                revision=revision, payload=body, state=self.fresh_state,
                document_number=body["CustomerNumber"],
            )  # fmt: skip
            self.summary.planned[self.fresh_state] += 1
            self._note(Row(key, "customer", entity, customer_id, body["CustomerNumber"],
                           revision, None, None, None, stored, None, self.fresh_state, None, 0,
                           None, None, None, None))  # fmt: skip
        return []

    def _customer_body(
        self, customer_type: str, customer_id: str
    ) -> tuple[dict, str, tuple[str, ...]]:
        """(body, revision, reasons it cannot be sent) of the customer's current version:
        built once per customer and run, however many documents it has."""
        record = self.sources.customer_record(customer_type, customer_id)
        if record is None:
            return {}, "", (f"customer {customer_type} {customer_id} is not in staging",)
        if isinstance(record, Unparsed):
            reason = (
                f"customer: {customer_type} {customer_id}: its staging payload gives no record "
                f"({record.reason})"
            )
            return {}, "", (reason,)
        body, problems = payloads.customer(record, customer_type, customer_id)
        if problems:
            return {}, "", tuple(f"customer: {p}" for p in problems)
        return body, sha(dumps(body)), ()

    def plan_customer_updates(self) -> None:
        """Customers already in Visma whose OfficeRnD record changed get their new version."""
        for entity, customer_id, customer_type in self.outbox.confirmed_customers():
            self.plan_customer(entity, customer_id, customer_type)

    # -- periodisation vouchers ------------------------------------------------------------

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
        # one read of the vouchers' outbox rows instead of one per voucher
        self._prefetched = {}
        for row in self.outbox.for_vouchers():
            self._prefetched.setdefault(row.document_id, []).append(row)
        try:
            self._plan_due_vouchers(until, planned)
        finally:
            self._prefetched = None
        self._reverse_emptied_vouchers(until, planned)

    def _plan_due_vouchers(self, until: date, planned: set[str]) -> None:
        for table, kinds, account_name in VOUCHER_SOURCES:
            if kinds == payloads.ACCRUAL_KINDS and not self.mapping.accrue_income:
                continue
            balance_account = getattr(self.mapping.accounts, account_name)
            groups: dict[tuple[str, date], list[dict]] = {}
            for row in self.sources.periodisation(table):
                groups.setdefault((row["entity"], row["month"]), []).append(row)
            for (entity, month), group in sorted(groups.items()):
                for kind in kinds:
                    if voucher_due(kind, month, until) and self._plan_voucher(
                        group, kind, entity, month, balance_account
                    ):
                        planned.add(voucher_document_id(kind, entity, month))

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
        for document_id in self.outbox.voucher_document_ids():
            parsed = parse_voucher_document_id(document_id)
            if (
                document_id in planned
                or parsed is None
                or not voucher_due(parsed[0], parsed[2], until)
            ):
                continue
            rows = self.outbox.for_document(document_id)
            if any(r.state == "sent" for r in rows):
                continue  # unknown whether it is in Visma: wait for recovery
            for old in live_unreversed(rows):
                self._plan_reversal(old, "nothing to book any more for its month")
            if not self.dry_run:
                for old in rows:
                    if old.state in OPEN and old.kind != "reversal":
                        self.outbox.set_state(old.outbox_key, "superseded")

    # -- the summary -----------------------------------------------------------------------

    def _note(self, row: Row | None) -> None:
        if row is None:
            return
        if row.state == "held":
            self.summary.held.append((row.outbox_key, row.document_number, row.hold_reason or ""))
        elif row.state in SENDABLE:
            self.summary.would_post.append((row.outbox_key, row.document_number, row.amount))
            if len(self.summary.previews) < self.preview_limit:
                self.summary.previews.append({"outbox_key": row.outbox_key, **row.payload})
