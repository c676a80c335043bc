"""Vouchers: validating and storing one, whether posted by a client (`POST /vouchers`, a ledger
item with voucher) or made by the simulator when it books an invoice.

Rules (besides the OpenAPI checks): the voucher date (default: today) lies in an open fiscal
year and after the locked period; every row's account exists in that fiscal year; a row has a
debit or a credit amount, not both; amounts have at most two decimals and are not negative
(the document's minimum 0); the rows balance to the öre (sum of DebitAmount == sum of
CreditAmount, "The voucher must have balanced debit and credit amounts") and the voucher moves
money (all-zero → 2000); cost center items and projects as in `rules`.

`useDefaultVatCodes=true` (default): each row's VatCodeId comes from its account (a VatCodeId
in the request is ignored); `false`: the rows' own VatCodeId, which must exist, and a row
without one carries **no** VAT code, whatever its account's default. The reference says only
"Set to false and override default vatcodes on all rows in the request"; taking the rows as
given (null included) is the most likely reading, and it is how a voucher books revenue
without a VAT base: a periodisation voucher (deferral, release, accrual) on 3001 must not move
the momsdeklaration's boxes, which follow the invoices. `useAutomaticVatCalculation=true`: rows
on an account with a VAT code carry gross amounts, split into net plus a VAT row on the
code's account (a row without a code is left as it is).
Numbering: `NumberAndNumberSeries` is series + running number per fiscal year; the default
series is "A" for vouchers a client posts and "B" for customer invoices the simulator books;
`NumberSeries` is honoured only with `useDefaultVoucherSeries=false`.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from ornd_visma.money import to_money
from ornd_visma.sandbox.visma import errors, rules
from ornd_visma.sandbox.visma.clock import SimClock, utc_stamp
from ornd_visma.sandbox.visma.errors import VismaError, not_found, validation
from ornd_visma.sandbox.visma.store import Store
from ornd_visma.sandbox.visma.values import amount, date_text, day_of, new_id

MANUAL_SERIES = "A"
INVOICE_SERIES = "B"
MANUAL_VOUCHER = 2
ZERO = Decimal("0.00")


def vat_label(store: Store, vat_code_id: str | None) -> str | None:
    code = store.get("vatcodes", vat_code_id) if vat_code_id else None
    if code is None:
        return None
    percent = (Decimal(code["VatRate"]) * 100).normalize()
    return f"{code['Code']} ({format(percent, 'f')}%)"


def book(
    store: Store,
    clock: SimClock,
    body: dict[str, Any],
    *,
    manual: bool = True,
    voucher_type: int | None = None,
    source_id: str | None = None,
    series: str | None = None,
    use_default_vat_codes: bool = True,
    automatic_vat: bool = False,
    locked_code: int = errors.LOCKED_PERIOD,
    prefix: str = "",
) -> dict[str, Any]:
    """Validate `body` (a VoucherApi, already schema-checked) and store it as a voucher."""
    day: date = day_of(body.get("VoucherDate"), f"{prefix}VoucherDate") or clock.today()
    year = rules.check_open(store, day, f"{prefix}VoucherDate", locked_code)
    rows_in = body.get("Rows") or []
    if not rows_in:
        raise validation("A voucher needs rows.", f"{prefix}Rows", "Required")
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(rows_in):
        field = f"{prefix}Rows[{index}]."
        rows.extend(
            _row(store, year, row, field, day, manual, use_default_vat_codes, automatic_vat)
        )
    debit = sum((r["DebitAmount"] for r in rows), ZERO)
    credit = sum((r["CreditAmount"] for r in rows), ZERO)
    if debit != credit:
        raise validation(
            f"The voucher must have balanced debit and credit amounts "
            f"(debit {debit}, credit {credit}).",
            f"{prefix}Rows",
            "Unbalanced",
            "VoucherNotBalanced",
        )
    if debit == ZERO:
        raise validation("The voucher has no amounts.", f"{prefix}Rows", "Required")
    series = series or MANUAL_SERIES
    number = store.next_number(f"voucher-number:{year['Id']}:{series}")
    now = utc_stamp(clock.now())
    ident = new_id()
    attachments = link_attachments(store, body.get("Attachments"), ident, prefix)
    voucher = {
        "Id": ident,
        "VoucherDate": date_text(day),
        "VoucherText": body.get("VoucherText", ""),
        "Rows": rows,
        "NumberAndNumberSeries": f"{series}{number}",
        "NumberSeries": series,
        "ImportedVoucherNumber": None,
        "Attachments": attachments,
        "ModifiedUtc": now,
        "VoucherType": voucher_type or body.get("VoucherType") or MANUAL_VOUCHER,
        "SourceId": source_id,
        "CreatedUtc": now,
        "_FiscalYearId": year["Id"],
    }
    return store.put("vouchers", voucher)


def _row(
    store: Store,
    year: dict[str, Any],
    row: dict[str, Any],
    field: str,
    day: date,
    manual: bool,
    use_default_vat_codes: bool,
    automatic_vat: bool,
) -> list[dict[str, Any]]:
    number = int(row["AccountNumber"])
    account = rules.account_for(store, year, number, f"{field}AccountNumber", manual)
    debit, credit = amount(row.get("DebitAmount")), amount(row.get("CreditAmount"))
    for name, value in (("DebitAmount", debit), ("CreditAmount", credit)):
        rules.check_decimals(value, f"{field}{name}")
        if value < 0:
            raise validation(f"{field}{name} must not be negative.", f"{field}{name}", "Range")
    if debit and credit:
        raise validation(
            "A voucher row has either a debit or a credit amount, not both.",
            f"{field}DebitAmount",
            "DebitAndCredit",
        )
    rules.check_dimensions(store, row, field, day, account)
    vat_code_id = _vat_code(store, account, row, field, use_default_vat_codes)
    out = {
        "AccountNumber": number,
        "AccountDescription": account["Name"],
        "DebitAmount": to_money(debit),
        "CreditAmount": to_money(credit),
        "TransactionText": row.get("TransactionText"),
        "CostCenterItemId1": _lower(row.get("CostCenterItemId1")),
        "CostCenterItemId2": _lower(row.get("CostCenterItemId2")),
        "CostCenterItemId3": _lower(row.get("CostCenterItemId3")),
        "VatCodeId": vat_code_id,
        "VatCodeAndPercent": vat_label(store, vat_code_id),
        "VatAmount": row.get("VatAmount"),
        "Quantity": row.get("Quantity"),
        "Weight": row.get("Weight"),
        "DeliveryDate": row.get("DeliveryDate"),
        "HarvestYear": row.get("HarvestYear"),
        "ProjectId": _lower(row.get("ProjectId")),
    }
    if not automatic_vat:
        return [out]
    return _split_vat(store, year, out, field)


def _vat_code(
    store: Store, account: dict[str, Any], row: dict[str, Any], field: str, use_default: bool
) -> str | None:
    """The row's VAT code: its account's by default; with `useDefaultVatCodes=false` the
    row's own, none when it names none (see the module docstring)."""
    if use_default:
        return account.get("VatCodeId")
    if not row.get("VatCodeId"):
        return None
    vat_code_id = str(row["VatCodeId"]).lower()
    if store.get("vatcodes", vat_code_id) is None:
        raise not_found("VAT code", vat_code_id, f"{field}VatCodeId")
    return vat_code_id


def _split_vat(
    store: Store, year: dict[str, Any], row: dict[str, Any], field: str
) -> list[dict[str, Any]]:
    code = store.get("vatcodes", row["VatCodeId"]) if row["VatCodeId"] else None
    rate = Decimal(code["VatRate"]) if code else Decimal(0)
    vat_account = (code or {}).get("RelatedAccounts", {}).get("AccountNumber1")
    if not rate or not vat_account or vat_account == row["AccountNumber"]:
        return [row]
    side = "DebitAmount" if row["DebitAmount"] else "CreditAmount"
    gross = row[side]
    vat = to_money(gross * rate / (1 + rate))
    account = rules.account_for(store, year, vat_account, f"{field}AccountNumber")
    vat_row = {
        **row,
        "AccountNumber": vat_account,
        "AccountDescription": account["Name"],
        "DebitAmount": ZERO,
        "CreditAmount": ZERO,
        "CostCenterItemId1": None,
        "CostCenterItemId2": None,
        "CostCenterItemId3": None,
        "ProjectId": None,
        "VatCodeId": account.get("VatCodeId"),
        "VatCodeAndPercent": vat_label(store, account.get("VatCodeId")),
    }
    vat_row[side] = vat
    return [{**row, side: gross - vat}, vat_row]


def link_attachments(
    store: Store, link: dict[str, Any] | None, voucher_id: str, prefix: str = ""
) -> dict[str, Any] | None:
    """Mark the attachments of `link` as matched to the voucher; an unknown one is 3000, one
    already linked to another document 4000."""
    if not link:
        return None
    ids = [a.lower() for a in link.get("AttachmentIds") or []]
    for index, ident in enumerate(ids):
        attachment = store.get("attachments", ident)
        if attachment is None:
            raise not_found("Attachment", ident, f"{prefix}Attachments.AttachmentIds[{index}]")
        if attachment.get("DocumentId") and attachment["DocumentId"] != voucher_id:
            raise VismaError(
                errors.CONFLICT, f"The attachment {ident} is already linked.", errors=[]
            )
    for ident in ids:
        attachment = store.get("attachments", ident)
        store.put(
            "attachments",
            {
                **attachment,
                "DocumentId": voucher_id,
                "AttachedDocumentType": 3,
                "AttachmentStatus": 1,
            },
        )
    return {"DocumentId": voucher_id, "DocumentType": 3, "AttachmentIds": ids}


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None
