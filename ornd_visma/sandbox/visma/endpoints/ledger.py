"""Customer ledger items: receivables of invoices issued outside Visma.

`POST /customerledgeritems/customerledgeritemswithvoucher` stores the item and books its
`Voucher` exactly as given (all voucher rules apply; the voucher date defaults to the
InvoiceDate, and the voucher keeps the VoucherType sent, default 2). `POST
/customerledgeritems` links to an existing voucher (`VoucherId`, 3000 if unknown).

Rules: the customer must exist (3000); amounts at most two decimals (the document's
"Precision: 2 decimals"); `CurrencyCode` one the sandbox knows (2000); a credit item
(`IsCreditInvoice`) must have a negative total and a debit item a non-negative one (2000, as
for invoices, a decision); `|RemainingAmountInvoiceCurrency| <= |TotalAmountInvoiceCurrency|`
with the same sign (2000). The `InvoiceNumber` is not checked for uniqueness: the reference
found no sign that Visma does, so a client must not rely on it to de-duplicate. Defaults:
InvoiceDate = the voucher date, DueDate = InvoiceDate + the customer's terms of payment.
"""

from datetime import timedelta
from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import booking, rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.endpoints.customers import CURRENCIES
from ornd_visma.sandbox.visma.errors import not_found, validation
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.invoicing import CREDIT_NOT_NEGATIVE, DEBIT_NEGATIVE
from ornd_visma.sandbox.visma.values import amount, date_text, day_of, new_id

FIELDS = (
    "CurrencyCode",
    "CurrencyRate",
    "CurrencyRateUnit",
    "CustomerId",
    "InvoiceNumber",
    "IsCreditInvoice",
    "PaymentReferenceNumber",
    "RemainingAmountInvoiceCurrency",
    "RoundingsAmountInvoiceCurrency",
    "TotalAmountInvoiceCurrency",
    "VATAmountInvoiceCurrency",
)


def _check(call: Call, body: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    customer = rules.referenced(
        call.store, "customers", body["CustomerId"], "Customer", "CustomerId"
    )
    if body["CurrencyCode"].upper() not in CURRENCIES:
        raise validation(
            f"Unknown currency code {body['CurrencyCode']}.", "CurrencyCode", "InvalidValue"
        )
    for name in (
        "TotalAmountInvoiceCurrency",
        "RemainingAmountInvoiceCurrency",
        "VATAmountInvoiceCurrency",
        "RoundingsAmountInvoiceCurrency",
    ):
        if body.get(name) is not None:
            rules.check_decimals(amount(body[name]), name)
    total = amount(body["TotalAmountInvoiceCurrency"])
    remaining = amount(body["RemainingAmountInvoiceCurrency"])
    if body["IsCreditInvoice"] and total >= 0:
        raise validation(
            "A credit ledger item must have a negative total.",
            "TotalAmountInvoiceCurrency",
            "CreditInvoiceTotal",
            CREDIT_NOT_NEGATIVE,
        )
    if not body["IsCreditInvoice"] and total < 0:
        raise validation(
            "A ledger item with a negative total must be a credit invoice.",
            "IsCreditInvoice",
            "NegativeTotal",
            DEBIT_NEGATIVE,
        )
    if abs(remaining) > abs(total) or (remaining and (remaining < 0) != (total < 0)):
        raise validation(
            "RemainingAmountInvoiceCurrency cannot exceed the total.",
            "RemainingAmountInvoiceCurrency",
            "Range",
        )
    invoice_day = day_of(body.get("InvoiceDate"), "InvoiceDate")
    due_day = day_of(body.get("DueDate"), "DueDate")
    return customer, invoice_day, due_day


def _item(
    call: Call,
    body: dict[str, Any],
    customer: dict[str, Any],
    invoice_day: Any,
    due_day: Any,
    voucher: dict[str, Any],
) -> dict[str, Any]:
    item = {k: body[k] for k in FIELDS if k in body}
    invoice_day = invoice_day or day_of(voucher["VoucherDate"])
    if due_day is None:
        terms = call.store.get("termsofpayments", customer.get("TermsOfPaymentId")) or {}
        due_day = invoice_day + timedelta(days=int(terms.get("NumberOfDays") or 0))
    item.update(
        {
            "Id": new_id(),
            "CustomerId": customer["Id"],
            "CurrencyCode": body["CurrencyCode"].upper(),
            "InvoiceDate": date_text(invoice_day),
            "DueDate": date_text(due_day),
            "VoucherId": voucher["Id"],
            "ModifiedUtc": utc_stamp(call.clock.now()),
        }
    )
    return call.store.put("customerledgeritems", item)


def create_with_voucher(call: Call) -> Response:
    body = dict(call.body or {})
    customer, invoice_day, due_day = _check(call, body)
    voucher_body = dict(body["Voucher"])
    if not voucher_body.get("VoucherDate") and invoice_day:
        voucher_body["VoucherDate"] = invoice_day.isoformat()
    use_series = not call.flag("useDefaultVoucherSeries", True)
    voucher = booking.book(
        call.store,
        call.clock,
        voucher_body,
        manual=True,
        prefix="Voucher.",
        use_default_vat_codes=call.flag("useDefaultVatCodes", True),
        automatic_vat=call.flag("useAutomaticVatCalculation", False),
        series=voucher_body.get("NumberSeries") if use_series else None,
    )
    return call.created(
        _item(call, body, customer, invoice_day, due_day, voucher), "CustomerLedgerItemApi"
    )


def create(call: Call) -> Response:
    body = dict(call.body or {})
    customer, invoice_day, due_day = _check(call, body)
    voucher = rules.referenced(call.store, "vouchers", body["VoucherId"], "Voucher", "VoucherId")
    return call.created(_item(call, body, customer, invoice_day, due_day, voucher))


def list_items(call: Call) -> Response:
    return call.page(call.store.all("customerledgeritems"))


def get_item(call: Call) -> Response:
    item = call.store.get("customerledgeritems", call.param("customerLedgerItemId"))
    if item is None:
        raise not_found("Customer ledger item", call.params["customerLedgerItemId"], status=404)
    return call.answer(item)


ROUTES = [
    ("GET", "/customerledgeritems", list_items),
    ("POST", "/customerledgeritems", create),
    ("POST", "/customerledgeritems/customerledgeritemswithvoucher", create_with_voucher),
    ("GET", "/customerledgeritems/{customerLedgerItemId}", get_item),
]
