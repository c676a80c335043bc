"""Reconciliation: OfficeRnD ↔ warehouse ↔ Visma, per business day, location and VAT rate,
to the öre; and the documents that explain a difference (held, failed with Visma's message,
pending), or that Visma holds more than once.

* **OfficeRnD** totals come from the payments' JSON in `staging.payments` (not from `core`),
  **warehouse** totals from `core.invoice_lines`, **Visma** totals are read back through
  Visma's API: every voucher of the window (`GET /vouchers`, VoucherDate in the window)
  whose tag names one of our outbox rows (or, for invoices Visma booked itself, whose id is
  the invoice's `VoucherId`), attributed to that row's document and location.
  A voucher row is VAT when its account is the related account of a VAT code (2611 …), net
  revenue otherwise, at the rate of the row's VAT code (none: 0 %); the receivable and
  rounding accounts are left out. Reversals and corrections simply add up: a corrected
  document's old revision and its reversal cancel out.
* Visma should hold, per document, exactly what the warehouse says when the document's
  current revision is confirmed, and nothing when it is not in Visma (held, failed,
  pending). A bucket where Visma ≠ the warehouse's confirmed documents is a **mismatch**;
  a bucket where OfficeRnD ≠ the warehouse is a books mismatch; documents whose current
  revision is not in Visma are listed as **missing** (with the hold reason or Visma's
  error), and a document whose ledger item or voucher Visma holds twice as a **duplicate**.
* The reading of Visma (`visma_vouchers`, `vat_codes`, `voucher_rows`, `document_rows`,
  `voucher_key`) is shared with the VAT return's check (`ornd_visma/vat/reconcile.py`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ornd_visma.posting.keys import key_in
from ornd_visma.visma.client import VismaClient

RECONCILE_SQL = (Path(__file__).parent / "reconcile.sql").read_text()
ZERO = Decimal("0.00")
Bucket = tuple[date, str, Decimal]  # business date, location, VAT percent


@dataclass
class Totals:
    net: Decimal = ZERO
    vat: Decimal = ZERO

    def add(self, net: Decimal, vat: Decimal) -> None:
        self.net += net
        self.vat += vat


@dataclass
class Reconciliation:
    rows: list[dict] = field(default_factory=list)  # one per bucket, every side
    mismatches: list[dict] = field(default_factory=list)  # Visma ≠ confirmed warehouse
    books_mismatches: list[dict] = field(default_factory=list)  # OfficeRnD ≠ warehouse
    missing: list[dict] = field(default_factory=list)  # documents not (yet) in Visma
    duplicates: list[dict] = field(default_factory=list)
    visma_read: bool = True

    @property
    def passed(self) -> bool:
        return not (self.mismatches or self.books_mismatches or self.duplicates)


def _fetch(conn: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> list:
    return conn.execute(sql, params or []).fetchall()


@dataclass(frozen=True)
class VatCode:
    """One of Visma's VAT codes: its `Code` ("10"), rate in percent, and VAT account."""

    code: str
    percent: Decimal
    account: int | None  # RelatedAccounts.AccountNumber1 (2611 …); None for 0 % / exempt


@dataclass(frozen=True)
class VoucherRow:
    """A voucher row as the reconciliations read it: the amount signed from the revenue
    side (credit − debit), and the VAT code Visma gave it (None: none)."""

    account: int
    amount: Decimal
    vat_code: VatCode | None

    @property
    def is_vat(self) -> bool:
        """On its code's VAT account (VAT); otherwise the row is net (the code's base)."""
        return self.vat_code is not None and self.vat_code.account == self.account


def visma_vouchers(client: VismaClient, start: date, end: date) -> list[dict]:
    """The vouchers dated in [start, end) (read back through the API)."""
    flt = f"VoucherDate ge {start.isoformat()} and VoucherDate lt {end.isoformat()}"
    return client.list_all("/vouchers", {"$filter": flt})


def vat_codes(client: VismaClient) -> dict[str, VatCode]:
    """VAT code id (lower case) → the code."""
    out = {}
    for code in client.list_all("/vatcodes"):
        related = (code.get("RelatedAccounts") or {}).get("AccountNumber1")
        out[code["Id"].lower()] = VatCode(
            str(code.get("Code") or ""),
            (Decimal(str(code.get("VatRate") or 0)) * 100).quantize(Decimal("0.01")),
            int(related) if related else None,
        )
    return out


def voucher_rows(
    voucher: dict, codes: dict[str, VatCode], skip_accounts: set[int] | frozenset = frozenset()
) -> list[VoucherRow]:
    """The rows of `voucher` not on `skip_accounts`, each with its VAT code."""
    out = []
    for row in voucher.get("Rows") or []:
        account = int(row["AccountNumber"])
        if account in skip_accounts:
            continue
        amount = Decimal(str(row.get("CreditAmount") or 0)) - Decimal(
            str(row.get("DebitAmount") or 0)
        )
        out.append(VoucherRow(account, amount, codes.get((row.get("VatCodeId") or "").lower())))
    return out


def document_rows(conn: duckdb.DuckDBPyConnection) -> tuple[dict[str, tuple], dict[str, str]]:
    """The outbox's document rows (ledger items, invoices, reversals): outbox key →
    (document id, business date, location); and Visma voucher id → outbox key, for invoices
    (Visma books their voucher, our tag is on the invoice)."""
    rows, by_voucher = {}, {}
    for key, doc, day, loc, voucher_id in _fetch(
        conn,
        # documents and their reversals; a periodisation voucher's reversal is no
        # document's (it moves revenue between months, not invoiced totals)
        """SELECT outbox_key, document_id, business_date, location, visma_voucher_id
           FROM posting.outbox
           WHERE kind IN ('ledger_item', 'invoice')
              OR (kind = 'reversal' AND reverses IN (SELECT outbox_key FROM posting.outbox
                                                      WHERE kind <> 'voucher'))""",
    ):
        rows[key] = (doc, day, loc)
        if voucher_id:
            by_voucher[voucher_id.lower()] = key
    return rows, by_voucher


def voucher_key(voucher: dict, by_voucher: dict[str, str]) -> str | None:
    """The outbox key a Visma voucher belongs to: its tag, else its id (invoices)."""
    return key_in(voucher.get("VoucherText")) or by_voucher.get(str(voucher["Id"]).lower())


def documents_not_in_visma(conn: duckdb.DuckDBPyConnection, start: date, end: date) -> list[dict]:
    """Documents of [start, end) whose current revision Visma does not hold, with the
    reason: held (in the books or the outbox), failed (Visma's message), pending."""
    return [
        {"document_id": d, "document_number": n, "state": s or "not planned", "reason": r}
        for d, n, s, r in _fetch(
            conn,
            """SELECT d.document_id, d.document_number, o.state,
                      coalesce(o.error_message, o.hold_reason,
                               array_to_string(d.hold_reasons, '; '))
               FROM core.documents d
               LEFT JOIN posting.outbox o ON o.document_id = d.document_id
                    AND o.revision = d.revision AND o.kind IN ('ledger_item', 'invoice')
               WHERE d.business_date >= ? AND d.business_date < ?
                 AND o.state IS DISTINCT FROM 'confirmed'
               ORDER BY d.business_date, d.document_number""",
            [start, end],
        )
    ]


def reconcile(
    conn: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    clients: dict[str, VismaClient] | None,
    *,
    skip_accounts: set[int],
) -> Reconciliation:
    """Compare the three sides for [start, end); `clients` None: OfficeRnD ↔ warehouse only
    (a dry run); `skip_accounts`: receivable and rounding accounts."""
    for statement in RECONCILE_SQL.split(";"):
        if "CREATE" in statement:
            conn.execute(statement, {"start": start, "end": end})
    result = Reconciliation(visma_read=clients is not None)
    officernd: dict[Bucket, Totals] = defaultdict(Totals)
    warehouse: dict[Bucket, Totals] = defaultdict(Totals)
    confirmed_wh: dict[Bucket, Totals] = defaultdict(Totals)
    visma: dict[Bucket, Totals] = defaultdict(Totals)
    for _doc, day, loc, pct, net, vat in _fetch(conn, "SELECT * FROM recon_officernd"):
        officernd[(day, loc, pct)].add(net, vat)
    # the document's current revision, and whether it is confirmed in Visma
    current = dict(
        _fetch(
            conn,
            """SELECT d.document_id, coalesce(bool_or(o.state = 'confirmed'), false)
               FROM core.documents d
               LEFT JOIN posting.outbox o ON o.document_id = d.document_id
                    AND o.revision = d.revision AND o.kind IN ('ledger_item', 'invoice')
               WHERE d.business_date >= ? AND d.business_date < ?
               GROUP BY 1""",
            [start, end],
        )
    )
    for doc, day, loc, pct, net, vat in _fetch(conn, "SELECT * FROM recon_warehouse"):
        warehouse[(day, loc, pct)].add(net, vat)
        if current.get(doc):
            confirmed_wh[(day, loc, pct)].add(net, vat)
    result.missing = documents_not_in_visma(conn, start, end)
    if clients is not None:
        rows, by_voucher = document_rows(conn)
        seen: dict[str, int] = defaultdict(int)
        for _entity, client in sorted(clients.items()):
            codes = vat_codes(client)
            for voucher in visma_vouchers(client, start, end):
                key = voucher_key(voucher, by_voucher)
                if key not in rows:
                    continue
                seen[key] += 1
                _doc, day, loc = rows[key]
                for row in voucher_rows(voucher, codes, skip_accounts):
                    pct = row.vat_code.percent if row.vat_code else ZERO
                    if row.is_vat:
                        visma[(day, loc, pct)].add(ZERO, row.amount)
                    else:
                        visma[(day, loc, pct)].add(row.amount, ZERO)
        result.duplicates = [
            {"outbox_key": key, "document_id": rows[key][0], "copies": n}
            for key, n in sorted(seen.items())
            if n > 1
        ]
    buckets = sorted(set(officernd) | set(warehouse) | set(visma), key=str)
    for bucket in buckets:
        day, loc, pct = bucket
        o, w, c, v = officernd[bucket], warehouse[bucket], confirmed_wh[bucket], visma[bucket]
        row = {
            "day": day, "location": loc, "vat_percent": pct,
            "officernd_net": o.net, "officernd_vat": o.vat,
            "warehouse_net": w.net, "warehouse_vat": w.vat,
            "posted_net": c.net, "posted_vat": c.vat,  # the warehouse's confirmed documents
            "visma_net": v.net if clients is not None else None,
            "visma_vat": v.vat if clients is not None else None,
        }  # fmt: skip
        result.rows.append(row)
        if (o.net, o.vat) != (w.net, w.vat):
            result.books_mismatches.append(row)
        if clients is not None and (c.net, c.vat) != (v.net, v.vat):
            result.mismatches.append(row)
    return result
