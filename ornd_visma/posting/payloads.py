"""Payload builders: what each outbox row sends to Visma, from the `core` rows and the
mapping. Pure functions, no I/O.

Payloads are stored in the outbox as built here, with OfficeRnD/mapping names where Visma
wants ids (`CustomerNumber`, `CostCenterShortName1/2`, `ArticleNumber`); `resolve` swaps them
for Visma's ids at send time, so a dry run computes every payload without asking Visma.

Ledger mode (`posting_mode: ledger`): one customer ledger item with voucher per document
(`POST /customerledgeritems/customerledgeritemswithvoucher`, reference §1.11). The voucher:

    receivable (accounts.receivable)    debit  posted_total
    revenue per (account, cost centers) credit net of the lines
    output VAT per VAT account          credit VAT of the lines
    rounding (accounts.rounding)        credit posted_total − total

with signed amounts (a credit note's are negative, so its rows change sides). Cost center
items go on result accounts only (BAS classes 3–8): balance-sheet accounts such as 1510,
2611 or 2420 (deposits) do not take cost centers in eAccounting. Rows of equal account and
cost centers are summed; zero rows are left out.

Text is built as it comes (a name, a description, OfficeRnD's number): where a payload enters
the outbox, `fit` cleans every text field and cuts it to the `maxLength` of Visma's OpenAPI
document (`TransactionText` 60, a row's `Text` 2000, `Name` 50), and the row says what it
changed (`text_changes`). Only the `VoucherText` is cut here too, around its tag.

The ledger item's `InvoiceNumber` is given by the caller: the document's number in its
location's range (`keys.invoice_number`), unique per Visma company. OfficeRnD's own number is
its `PaymentReferenceNumber` (≤50 characters, left out when longer: the number the customer
was sent and pays with) and opens the `VoucherText`.

Invoice mode (`posting_mode: invoices`): a customer invoice draft with one article row per
line (`ArticleNumber` from the mapping), converted to an invoice with our own totals as the
validation body (so Visma refuses to book totals that differ from OfficeRnD's).

A reversal (a document changed after it was posted, `on_change: correct`) is the posted
payload with every amount negated: the ledger item becomes a credit item (or a credit note's
reversal a debit item) with an `InvoiceNumber` of its own (the location's reversal range),
every voucher row changes sides.

Periodisation vouchers (`POST /vouchers`, one per entity, month and kind; `PERIODISATION`):
the deferral of revenue invoiced ahead (last day: debit revenue, credit deferred revenue) and
its release (first day of the month of service, the other way); the accrual of revenue
served before it was invoiced (last day of the month of service: debit accrued income, credit
revenue) and its reversal (first day of the invoices' month, the other way). Their rows carry
no VAT code: they are sent with `useDefaultVatCodes=false`.
"""

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ornd_visma.money import ZERO, to_money
from ornd_visma.posting.keys import customer_number, tag
from ornd_visma.posting.record import Fields
from ornd_visma.text import clean_text

VOUCHER_TEXT_MAX = 1000
PAYMENT_REFERENCE_MAX = 50
RESULT_ACCOUNTS_FROM = 3000


def _side(account: int, amount: Decimal, natural: str, text: str, cc: tuple = ()) -> dict:
    """A voucher row for a signed `amount` on its `natural` side ('debit'/'credit')."""
    amount = to_money(amount)
    on_natural = amount > 0
    side = natural if on_natural else ("credit" if natural == "debit" else "debit")
    row: dict[str, Any] = {
        "AccountNumber": account,
        "DebitAmount" if side == "debit" else "CreditAmount": abs(amount),
        "TransactionText": text,
    }
    if account >= RESULT_ACCOUNTS_FROM:
        for slot, short_name in enumerate(cc, start=1):
            if short_name:
                row[f"CostCenterShortName{slot}"] = short_name
    return row


def revenue_rows(lines: list[dict], text: str) -> list[dict]:
    groups: dict[tuple, Decimal] = {}
    for line in lines:
        key = (int(line["account"]), line.get("cost_center_item_1"), line.get("cost_center_item_2"))
        groups[key] = groups.get(key, ZERO) + Decimal(line["net_amount"])
    return [
        _side(account, amount, "credit", text, (cc1, cc2))
        for (account, cc1, cc2), amount in sorted(groups.items(), key=lambda kv: str(kv[0]))
        if amount != 0
    ]


def vat_rows(lines: list[dict], text: str) -> list[dict]:
    groups: dict[int, Decimal] = {}
    for line in lines:
        vat = Decimal(line["vat_amount"])
        if vat == 0:
            continue
        if line.get("vat_account") is None:
            raise ValueError(
                f"document {line['document_id']} line {line['line_no']}: VAT {vat} "
                "without a VAT account"
            )
        groups[int(line["vat_account"])] = groups.get(int(line["vat_account"]), ZERO) + vat
    return [_side(a, v, "credit", f"Moms {text}") for a, v in sorted(groups.items()) if v != 0]


def voucher_text(doc: dict, customer_name: str, key: str, prefix: str = "") -> str:
    kind = "Kreditfaktura" if doc["document_type"] == "creditNote" else "Kundfaktura"
    head = f"{prefix}{kind} {doc['document_number']} {customer_name}"
    suffix = f" {tag(key)}"
    return head[: VOUCHER_TEXT_MAX - len(suffix)] + suffix


def ledger_item(
    doc: dict,
    lines: list[dict],
    *,
    receivable: int,
    rounding: int,
    customer_name: str,
    key: str,
    invoice_number: int,
) -> dict:
    """The `CustomerLedgerItemWithVoucherApi` body of a `ready` document numbered
    `invoice_number` in Visma."""
    total, posted = Decimal(doc["total"]), Decimal(doc["posted_total"])
    text = f"{doc['document_number']}"
    rows = [_side(receivable, posted, "debit", f"Kundfordran {text}")]
    rows += revenue_rows(lines, text)
    rows += vat_rows(lines, text)
    if posted - total != 0:
        rows.append(_side(rounding, posted - total, "credit", f"Öresavrundning {text}"))
    debit = sum((Decimal(r.get("DebitAmount", 0)) for r in rows), ZERO)
    credit = sum((Decimal(r.get("CreditAmount", 0)) for r in rows), ZERO)
    if debit != credit:
        raise ValueError(
            f"document {doc['document_id']} ({doc['document_number']}): the voucher does not "
            f"balance (debit {debit}, credit {credit}): lines and totals disagree"
        )
    item: dict[str, Any] = {
        "CustomerNumber": customer_number(doc["customer_id"]),
        "InvoiceNumber": invoice_number,
        "InvoiceDate": _iso(doc["invoice_date"]),
        "DueDate": _iso(doc.get("due_date") or doc["invoice_date"]),
        "CurrencyCode": doc.get("currency") or "SEK",
        "IsCreditInvoice": posted < 0,
        "TotalAmountInvoiceCurrency": posted,
        "VATAmountInvoiceCurrency": to_money(Decimal(doc["vat_total"])),
        "RemainingAmountInvoiceCurrency": posted,
        "RoundingsAmountInvoiceCurrency": to_money(posted - total),
        "Voucher": {
            "VoucherDate": _iso(doc["invoice_date"]),
            "VoucherText": voucher_text(doc, customer_name, key),
            "Rows": [r for r in rows if r.get("DebitAmount") or r.get("CreditAmount")],
        },
    }
    reference = doc.get("document_number") or ""
    if 0 < len(reference) <= PAYMENT_REFERENCE_MAX:
        item["PaymentReferenceNumber"] = reference
    return item


def reversal(
    payload: dict,
    key: str,
    posted_key: str,
    day: date | None = None,
    invoice_number: int | None = None,
) -> dict:
    """The negation of a posted ledger item or voucher payload (a correction's first half); a
    ledger item's reversal is numbered `invoice_number` (it is a document of its own in
    Visma's customer ledger)."""
    out = copy.deepcopy(payload)
    voucher = out.get("Voucher", out)
    for row in voucher["Rows"]:
        debit, credit = row.pop("DebitAmount", None), row.pop("CreditAmount", None)
        if debit:
            row["CreditAmount"] = debit
        if credit:
            row["DebitAmount"] = credit
    old_text = voucher["VoucherText"].split(" [ornd ", 1)[0]
    voucher["VoucherText"] = f"Rättelse av {posted_key}: {old_text}"[:900] + f" {tag(key)}"
    if day is not None:
        voucher["VoucherDate"] = day.isoformat()
    if "Voucher" in out:
        for name in (
            "TotalAmountInvoiceCurrency",
            "VATAmountInvoiceCurrency",
            "RemainingAmountInvoiceCurrency",
            "RoundingsAmountInvoiceCurrency",
        ):
            if out.get(name) is not None:
                out[name] = -Decimal(out[name])
        out["IsCreditInvoice"] = Decimal(out["TotalAmountInvoiceCurrency"]) < 0
        if invoice_number is not None:
            out["InvoiceNumber"] = invoice_number
        if day is not None:
            out["InvoiceDate"] = day.isoformat()
    return out


def invoice_reversal(payload: dict, key: str, posted_key: str) -> dict:
    """A credit (or debit) draft negating a posted invoice draft, row by row."""
    out = copy.deepcopy(payload)
    out["IsCreditInvoice"] = not payload["IsCreditInvoice"]
    for row in out["Rows"]:
        row["Quantity"] = -Decimal(row["Quantity"])
    out["OurReference"] = tag(key)
    out["YourReference"] = f"Rättelse {payload.get('YourReference') or posted_key}"[:35]
    out["Validation"] = {k: -Decimal(v) for k, v in payload["Validation"].items()}
    return out


def invoice_draft(doc: dict, lines: list[dict], *, key: str) -> dict:
    """The `CustomerInvoiceDraftApi` body of a document (invoice mode), plus the totals the
    conversion must confirm (`Validation`, a `CustomerInvoiceDraftValidationApi`)."""
    credit = Decimal(doc["posted_total"]) < 0
    rows = []
    for line in sorted(lines, key=lambda item: item["line_no"]):
        net = Decimal(line["net_amount"])
        quantity = Decimal(line.get("quantity") or 1)
        unit = to_money(net / quantity) if quantity else net
        if quantity == 0 or to_money(unit * quantity) != net:
            quantity, unit = Decimal(1), net  # keep the amount exact; the text has the rest
        if credit or net < 0:
            quantity, unit = -abs(quantity), abs(unit)
        row: dict[str, Any] = {
            "IsTextRow": False,
            "ReversedConstructionServicesVatFree": False,
            "ArticleNumber": line["article"],
            "Text": line.get("description") or line["article"],
            "Quantity": quantity,
            "UnitPrice": unit,
        }
        for slot in (1, 2):
            if line.get(f"cost_center_item_{slot}"):
                row[f"CostCenterShortName{slot}"] = line[f"cost_center_item_{slot}"]
        rows.append(row)
    total, vat = Decimal(doc["posted_total"]), Decimal(doc["vat_total"])
    return {
        "CustomerNumber": customer_number(doc["customer_id"]),
        "EuThirdParty": False,
        "RotReducedInvoicingType": 0,
        "IsCreditInvoice": credit,
        "InvoiceDate": _iso(doc["invoice_date"]),
        "DueDate": _iso(doc.get("due_date") or doc["invoice_date"]),
        "OurReference": tag(key),
        "YourReference": doc["document_number"],
        "Rows": rows,
        "Validation": {
            "TotalAmountInvoiceCurrency": total,
            "TotalVatAmountInvoiceCurrency": vat,
            "TotalRoundingsInvoiceCurrency": to_money(total - Decimal(doc["total"])),
        },
    }


@dataclass(frozen=True)
class Periodisation:
    """One kind of periodisation voucher: the `core` table column holding its amounts, the
    day of the month it is dated, its text, the revenue rows' side and the text of the
    balance-sheet row (deferred revenue or accrued income), which takes the other side."""

    column: str
    dated: str  # "first" or "last" day of the month
    title: str
    revenue_side: str
    balance_text: str


# Posted with `useDefaultVatCodes=false` and no VatCodeId on any row (`sending.VOUCHER_PARAMS`):
# they move revenue between periods, never the VAT report's bases, which follow the invoices
# (faktureringsmetoden).
PERIODISATION = {
    "deferred": Periodisation("deferred", "last", "Periodisering", "debit",
                              "Förutbetalda intäkter"),
    "released": Periodisation("released", "first", "Upplösning periodisering", "credit",
                              "Förutbetalda intäkter"),
    "accrued": Periodisation("accrued", "last", "Upplupna intäkter", "credit",
                             "Upplupna intäkter"),
    "accrual_reversed": Periodisation("reversed", "first", "Återföring upplupna intäkter",
                                      "debit", "Upplupna intäkter"),
}  # fmt: skip
DEFERRAL_KINDS = ("deferred", "released")
ACCRUAL_KINDS = ("accrued", "accrual_reversed")


def month_end(month: date) -> date:
    """The last day of `month`'s month."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def periodisation_voucher(
    rows: list[dict], *, kind: str, month: date, balance_account: int, key: str, entity: str
) -> dict | None:
    """The month's periodisation voucher of `kind` (see `PERIODISATION`) from the `core`
    table's rows of the month: one row per revenue account and cost centers, their sum on
    `balance_account` the other way; None when it moves nothing."""
    if kind not in PERIODISATION:
        raise ValueError(f"kind must be one of {', '.join(PERIODISATION)}, not {kind!r}")
    spec = PERIODISATION[kind]
    balance_side = "credit" if spec.revenue_side == "debit" else "debit"
    label = month.strftime("%Y-%m")
    day = month_end(month) if spec.dated == "last" else month.replace(day=1)
    text = f"{spec.title} {label}"
    out, total = [], ZERO
    for row in sorted(rows, key=lambda r: (r["account"], str(r.get("cost_center_item_1")))):
        amount = to_money(Decimal(row[spec.column]))
        if amount == 0:
            continue
        total += amount
        cc = (row.get("cost_center_item_1"), row.get("cost_center_item_2"))
        out.append(_side(int(row["account"]), amount, spec.revenue_side, text, cc))
    if not out:
        return None
    out.append(_side(balance_account, total, balance_side, f"{spec.balance_text} {label}"))
    return {
        "VoucherDate": day.isoformat(),
        "VoucherText": f"{text} ({entity}) {tag(key)}",
        "Rows": out,
    }


def deferral_voucher(
    rows: list[dict], *, kind: str, month: date, deferred_revenue: int, key: str, entity: str
) -> dict | None:
    """The month's deferral (`kind='deferred'`, on its last day: debit revenue, credit
    deferred revenue) or release (`kind='released'`, on its first day: the other way) voucher
    from `core.revenue_deferrals` rows; None when it moves nothing."""
    if kind not in DEFERRAL_KINDS:
        raise ValueError(f"kind must be deferred or released, not {kind!r}")
    return periodisation_voucher(
        rows, kind=kind, month=month, balance_account=deferred_revenue, key=key, entity=entity
    )


def accrual_voucher(
    rows: list[dict], *, kind: str, month: date, accrued_income: int, key: str, entity: str
) -> dict | None:
    """The month's accrual (`kind='accrued'`, on its last day: debit accrued income, credit
    revenue) or its reversal in the invoices' month (`kind='accrual_reversed'`, on its first
    day: the other way) from `core.revenue_accruals` rows; None when it moves nothing.

    The reversal is dated the first day of the invoices' month, not each invoice's date: one
    voucher per month, as the release of deferrals, and the month's revenue is the same."""
    if kind not in ACCRUAL_KINDS:
        raise ValueError(f"kind must be accrued or accrual_reversed, not {kind!r}")
    return periodisation_voucher(
        rows, kind=kind, month=month, balance_account=accrued_income, key=key, entity=entity
    )


def customer(record: Any, kind: str, ident: str | None = None) -> tuple[dict, list[str]]:
    """The `CustomerApi` body of an OfficeRnD company or member (`TermsOfPaymentId` resolved
    at send time) and the reasons it cannot be sent (empty when it can).

    `record` is the raw JSON (the staging `payload`), read only through `record.Fields`: a
    value of the wrong type is a reason naming the record and the field, never a crash.
    `ident` is the record's id (the staging `id`; default the record's `_id`). Text is taken
    as it is: where the body enters the outbox, `fit` cleans it and cuts it to Visma's
    `maxLength` (`Name` 50, `InvoicePostalCode` 10, ...) and the row says what it changed."""
    ident = ident or Fields(record, kind).text("_id")
    fields = Fields(record, f"{kind} {ident}")
    billing = fields.section("billingDetails")
    # Every field the body could come from is read (a wrong type in any is a reason, also
    # where another stands in for it); the address used is the billing address, else the
    # record's own, and only the one used is read field by field.
    own = fields.section("address")
    address = billing.section("billingAddress")
    address = address if address.record else own
    billing_name, own_name = billing.text("billingName"), fields.text("name")
    name = billing_name or own_name
    city, zip_code = address.text("city"), address.text("zip")
    street, country = address.text("street"), address.text("country")
    email = fields.text("email")
    vat = clean_text(billing.text("vatNumber")).replace(" ", "").upper()
    registration = billing.text("registrationNumber")
    problems = list(fields.problems)
    if not ident:
        problems.append(f"{kind} record: no _id")
    if not clean_text(name):
        problems.append(f"{kind} {ident}: no name")
    if not clean_text(city) or not clean_text(zip_code):
        problems.append(
            f"{kind} {ident}: no billing address city/zip (Visma requires "
            "InvoiceCity and InvoicePostalCode)"
        )
    if problems:
        return {}, problems
    body: dict[str, Any] = {
        "CustomerNumber": customer_number(ident),
        "Name": name,
        "IsPrivatePerson": kind == "member",
        "IsActive": True,
        "InvoiceAddress1": street or None,
        "InvoiceCity": city,
        "InvoicePostalCode": zip_code,
        "InvoiceCountryCode": country_code(country),
        "EmailAddress": email or None,
        "CurrencyCode": "SEK",
        "Note": f"OfficeRnD {kind} {ident}",
    }
    if vat and kind == "company" and _vat_form(vat):
        body["VatNumber"] = vat
        body["InvoiceCountryCode"] = vat[:2] if vat[:2] != "EL" else "GR"
    if registration and kind == "company":
        body["CorporateIdentityNumber"] = registration
    return {k: v for k, v in body.items() if v is not None}, problems


_COUNTRIES = {
    "sweden": "SE", "sverige": "SE", "norway": "NO", "norge": "NO", "denmark": "DK",
    "danmark": "DK", "finland": "FI", "germany": "DE", "deutschland": "DE", "france": "FR",
    "netherlands": "NL", "spain": "ES", "italy": "IT", "poland": "PL", "estonia": "EE",
    "ireland": "IE", "belgium": "BE", "austria": "AT", "united kingdom": "GB", "uk": "GB",
    "united states": "US", "usa": "US", "lithuania": "LT", "latvia": "LV", "portugal": "PT",
}  # fmt: skip


def country_code(country: str | None) -> str | None:
    """The ISO 3166 code Visma takes for a country as OfficeRnD writes it (`SE`, `Sweden`,
    `Sverige`); None when it is not one we know."""
    text = clean_text(country)
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    return _COUNTRIES.get(text.lower())


def _vat_form(vat: str) -> bool:
    body = vat[2:]
    return vat[:2].isalpha() and 8 <= len(body) <= 12 and body.isalnum()


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]
