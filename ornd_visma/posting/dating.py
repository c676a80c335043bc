"""The day a payload is booked on when its own date lies in a period Visma has locked.

Operators lock a month in Visma (`AccountingLockedTo` in the company settings) once its VAT
return is filed; Visma then refuses anything dated in it (4026). A document, correction or
voucher of such a month is booked on the first open day instead, `AccountingLockedTo` + 1, so
it lands in the return being prepared (a kreditnota reduces output VAT in the period it is
issued; a filed return is not amended by the pipeline). docs/posting.md, "VAT decisions".

* Ledger item: the voucher's `VoucherDate` moves; `InvoiceDate` stays OfficeRnD's (the
  receivable is still the invoice of that day).
* Invoice draft (invoice mode): `InvoiceDate` moves (Visma books the invoice on it, and it is
  the date printed on the credit invoice the customer receives); `DueDate` no earlier.
* Voucher: `VoucherDate` moves.
"""

from datetime import date, timedelta
from typing import Any


def first_open_day(locked_to: date | None) -> date | None:
    return locked_to + timedelta(days=1) if locked_to else None


def booking_date(payload: dict[str, Any]) -> date:
    """The day Visma books `payload` on."""
    if "Voucher" in payload:
        return date.fromisoformat(str(payload["Voucher"]["VoucherDate"])[:10])
    if "InvoiceDate" in payload:
        return date.fromisoformat(str(payload["InvoiceDate"])[:10])
    return date.fromisoformat(str(payload["VoucherDate"])[:10])


def dated(payload: dict[str, Any], locked_to: date | None) -> dict[str, Any] | None:
    """`payload` moved to the first open day when its booking date is locked; else None."""
    day = first_open_day(locked_to)
    if day is None or booking_date(payload) >= day:
        return None
    text = day.isoformat()
    if "Voucher" in payload:
        return {**payload, "Voucher": {**payload["Voucher"], "VoucherDate": text}}
    if "InvoiceDate" in payload:
        due = max(str(payload.get("DueDate") or text)[:10], text)
        return {**payload, "InvoiceDate": text, "DueDate": due}
    return {**payload, "VoucherDate": text}
