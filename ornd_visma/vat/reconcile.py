"""The VAT return Visma would file against the books' (`marts.vat_return_monthly`): per
entity, month and box, to the öre.

**Visma's side** is read back through its API with the reading of the books reconciliation
(`ornd_visma.posting.reconcile`: `visma_vouchers`, `vat_codes`, `voucher_rows`): *every*
voucher of the company dated from the books' first month on, not only ours, since Visma's
VAT report counts them all (a deferral voucher whose revenue row carries a VAT code, or a
sale keyed in by hand, changes the return). A row with a VAT code adds its amount (credit −
debit) to the code's VAT box when it is on the code's VAT account, else to its base box
(`ornd_visma.vat.boxes.code_boxes`); rows without a code (receivable, 2970, bank) are in no
box. A voucher counts in the month of its `VoucherDate`: a reversal in ledger mode keeps the
original's date, so a corrected document's old revision and its reversal cancel in the
original's month, as the books (which hold only the current revision) expect.

**Documents not settled in Visma** (`unsettled.sql`: the current revision held, failed,
pending or never sent; a correction or reversal still open; or something of the document
booked in a later month because Visma had locked its own, `posting/dating.py`) are set aside
on both sides,
the books' lines of the document and the vouchers Visma holds for it (an older revision),
and listed with the reason: they explain a difference, they are not one. Everything else
must agree to the öre: a **mismatch** is a box where Visma − its set-aside ≠ books − theirs.

VAT codes the mapping never uses (input VAT `48` on purchases, `36` on an export keyed in
by hand, ...) are not compared; they are listed per month (`other_codes`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ornd_visma.mapping import Mapping
from ornd_visma.marts.vat_return import prepare_parts
from ornd_visma.posting.reconcile import (
    ZERO,
    Totals,
    document_rows,
    vat_codes,
    visma_vouchers,
    voucher_key,
    voucher_rows,
)
from ornd_visma.vat.boxes import Boxes, code_boxes
from ornd_visma.visma.client import VismaClient
from ornd_visma.warehouse.tables import table_exists

UNSETTLED_SQL = (Path(__file__).parent / "unsettled.sql").read_text()
OPEN_END = date(9999, 12, 31)
NO_OUTBOX = """
    SELECT NULL::VARCHAR AS outbox_key, NULL::VARCHAR AS kind, NULL::VARCHAR AS document_id,
           NULL::VARCHAR AS document_number, NULL::VARCHAR AS revision, NULL::VARCHAR AS state,
           NULL::VARCHAR AS error_message, NULL::VARCHAR AS hold_reason,
           NULL::VARCHAR AS payload, NULL::DATE AS business_date
    WHERE false
"""
Key = tuple[date, str]  # month, box


@dataclass
class VismaVat:
    """What one Visma company holds per month and box, from its vouchers."""

    boxes: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    set_aside: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    other_codes: dict[tuple[date, str], Totals] = field(default_factory=lambda: defaultdict(Totals))


@dataclass
class VatReconciliation:
    rows: list[dict] = field(default_factory=list)  # one per entity, month and box
    mismatches: list[dict] = field(default_factory=list)
    not_in_visma: list[dict] = field(default_factory=list)  # documents set aside, and why
    other_codes: list[dict] = field(default_factory=list)  # Visma codes the books never use
    unreadable: dict[str, str] = field(default_factory=dict)  # entity → why Visma was not read
    held_in_books: int = 0  # held documents: in neither return until released
    visma_read: bool = True

    @property
    def passed(self) -> bool:
        return not (self.mismatches or self.unreadable)


def _month(day: object) -> date:
    return date.fromisoformat(str(day)[:10]).replace(day=1)


def read_visma_vat(
    client: VismaClient,
    boxes_of: dict[str, Boxes],
    since: date,
    *,
    unsettled_keys: set[str] | frozenset = frozenset(),
    by_voucher: dict[str, str] | None = None,
    skip_accounts: set[int] | frozenset = frozenset(),
) -> VismaVat:
    """Visma's return per month and box from `since` on (`boxes_of`: Visma code → boxes);
    vouchers of `unsettled_keys` (outbox keys) apart, in `set_aside`."""
    out = VismaVat()
    codes = vat_codes(client)
    for voucher in visma_vouchers(client, since, OPEN_END):
        month = _month(voucher["VoucherDate"])
        aside = voucher_key(voucher, by_voucher or {}) in unsettled_keys
        for row in voucher_rows(voucher, codes, skip_accounts):
            if row.vat_code is None:
                continue
            boxes = boxes_of.get(row.vat_code.code)
            box = None if boxes is None else (boxes.vat if row.is_vat else boxes.base)
            if box is None:
                net, vat = (ZERO, row.amount) if row.is_vat else (row.amount, ZERO)
                out.other_codes[(month, row.vat_code.code)].add(net, vat)
                continue
            (out.set_aside if aside else out.boxes)[(month, box)] += row.amount
    return out


def _unsettled(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    outbox = (
        "SELECT * FROM posting.outbox" if table_exists(conn, "posting.outbox") else NO_OUTBOX
    )
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _vat_outbox AS {outbox}")
    conn.execute(UNSETTLED_SQL)
    return conn.execute(
        "SELECT document_id, document_number, state, reason FROM _vat_unsettled "
        "ORDER BY document_number, document_id"
    ).fetchall()


PerEntity = dict[str, dict[Key, Decimal]]


def books_side(
    conn: duckdb.DuckDBPyConnection, mapping: Mapping
) -> tuple[PerEntity, PerEntity, list[tuple]]:
    """The mart per (entity, month, box), the part of it in unsettled documents, and the
    unsettled documents (id, number, state, reason)."""
    books: PerEntity = defaultdict(lambda: defaultdict(lambda: ZERO))
    aside: PerEntity = defaultdict(lambda: defaultdict(lambda: ZERO))
    if not table_exists(conn, "marts.vat_return_monthly"):
        return books, aside, []
    for entity, month, box, amount in conn.execute(
        "SELECT entity, month, box, amount FROM marts.vat_return_monthly"
    ).fetchall():
        books[entity][(month, box)] += amount
    if not books:
        return books, aside, []
    prepare_parts(conn, mapping)
    unsettled = _unsettled(conn)
    for entity, month, box, amount in conn.execute(
        """SELECT p.entity, p.month, p.box, sum(p.amount)
           FROM _vat_parts AS p JOIN _vat_unsettled AS u USING (document_id)
           GROUP BY ALL"""
    ).fetchall():
        aside[entity][(month, box)] += amount
    return books, aside, unsettled


def reconcile_vat_return(
    conn: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    clients: dict[str, VismaClient] | None,
    *,
    errors: tuple[type[BaseException], ...] = (),
) -> VatReconciliation:
    """Compare `marts.vat_return_monthly` (built) with each entity's Visma company (`clients`
    None: a dry run, Visma not read). A client raising one of `errors` leaves its entity
    unread, named in `unreadable` (the check fails: nothing was compared there)."""
    result = VatReconciliation(visma_read=clients is not None)
    books, aside, unsettled = books_side(conn, mapping)
    result.not_in_visma = [
        {"document_id": d, "document_number": n, "state": s, "reason": r}
        for d, n, s, r in unsettled
    ]
    if table_exists(conn, "core.documents"):
        ((result.held_in_books,),) = conn.execute(
            "SELECT count(*) FROM core.documents WHERE status = 'held'"
        ).fetchall()
    visma: dict[str, VismaVat] = {}
    if clients is not None and books:
        boxes_of = code_boxes(mapping)
        has_outbox = table_exists(conn, "posting.outbox")
        outbox, by_voucher = document_rows(conn) if has_outbox else ({}, {})
        documents = {d for d, *_ in unsettled}
        aside_keys = {key for key, (doc, *_) in outbox.items() if doc in documents}
        skip = {mapping.accounts.receivable, mapping.accounts.rounding}
        for entity in sorted(books):
            client = clients.get(entity)
            if client is None:
                result.unreadable[entity] = "no Visma client for this entity"
                continue
            since = min(month for month, _box in books[entity])
            try:
                visma[entity] = read_visma_vat(
                    client, boxes_of, since, unsettled_keys=aside_keys, by_voucher=by_voucher,
                    skip_accounts=skip,
                )  # fmt: skip
            except errors as error:
                result.unreadable[entity] = f"{type(error).__name__}: {error}"
    for entity in sorted(books):
        v = visma.get(entity)
        box_keys = set(books[entity]) | (set(v.boxes) | set(v.set_aside) if v else set())
        for month, box in sorted(box_keys):
            b, b_aside = books[entity][(month, box)], aside[entity][(month, box)]
            row = {
                "entity": entity, "month": month, "box": box,
                "books": b, "books_not_in_visma": b_aside,
                "visma": v.boxes[(month, box)] + v.set_aside[(month, box)] if v else None,
                "visma_of_those": v.set_aside[(month, box)] if v else None,
                "difference": v.boxes[(month, box)] - (b - b_aside) if v else None,
            }  # fmt: skip
            result.rows.append(row)
            if v is not None and row["difference"] != 0:
                result.mismatches.append(row)
        if v is not None:
            result.other_codes += [
                {"entity": entity, "month": month, "vat_code": code,
                 "net": t.net, "vat": t.vat}
                for (month, code), t in sorted(v.other_codes.items())
            ]  # fmt: skip
    return result
