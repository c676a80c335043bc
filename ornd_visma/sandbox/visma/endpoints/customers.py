"""Customers (`CustomerApi`).

Rules beyond the document: `CustomerNumber` unique (4000), given out from
`NextCustomerNumber` when omitted; `TermsOfPaymentId` must exist (3000); a `VatNumber` must
be two letters and 8–12 letters or digits (4025 InvalidVatNumber; the real API asks VIES, the
sandbox checks the form only); `InvoiceCountryCode` two capital letters (2000); `CurrencyCode`
one of the currencies the sandbox knows (2000); `ForceBookkeepVat` with an EU country other
than Sweden → 4035. PUT merges: a field not sent keeps its stored value (as the document says
of several fields). DELETE of a customer with drafts, invoices or ledger items → 4001.
"""

import re
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import (
    CANNOT_BE_DELETED,
    INVALID_FORCE_BOOKKEEP_VAT,
    INVALID_VAT_NUMBER,
    FieldError,
    VismaError,
    not_found,
    validation,
)
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.invoicing import EU, HOME_COUNTRY, SANDBOX_RATES
from ornd_visma.sandbox.visma.values import amount, new_id

CURRENCIES = set(SANDBOX_RATES) | {"CHF", "PLN", "ISK", "JPY", "CAD", "AUD"}
_VAT_NUMBER = re.compile(r"[A-Z]{2}[0-9A-Za-z]{8,12}")


def _check(call: Call, body: dict[str, Any], ident: str | None) -> dict[str, Any]:
    store = call.store
    terms = rules.referenced(
        store,
        "termsofpayments",
        body.get("TermsOfPaymentId"),
        "Terms of payment",
        "TermsOfPaymentId",
    )
    rules.unique(
        store, "customers", "CustomerNumber", body.get("CustomerNumber"), "CustomerNumber", ident
    )
    country = body.get("InvoiceCountryCode")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise validation(
            "InvoiceCountryCode must be an ISO 3166 code such as SE.",
            "InvoiceCountryCode",
            "InvalidFormat",
        )
    vat_number = body.get("VatNumber")
    if vat_number and not _VAT_NUMBER.fullmatch(vat_number.replace(" ", "")):
        message = f"The VAT number {vat_number} is not valid."
        raise VismaError(
            INVALID_VAT_NUMBER,
            message,
            errors=[FieldError("VatNumber", "InvalidVatNumber", message)],
        )
    currency = body.get("CurrencyCode")
    if currency and currency.upper() not in CURRENCIES:
        raise validation(f"Unknown currency code {currency}.", "CurrencyCode", "InvalidValue")
    if body.get("ForceBookkeepVat") and country and country != HOME_COUNTRY and country in EU:
        message = "ForceBookkeepVat is not allowed for customers in the EU."
        raise VismaError(
            INVALID_FORCE_BOOKKEEP_VAT,
            message,
            errors=[FieldError("ForceBookkeepVat", "InvalidForceBookkeepVat", message)],
        )
    return terms


def _next_number(call: Call) -> str:
    used = {c.get("CustomerNumber") for c in call.store.all("customers")}
    company = dict(call.store.meta("company") or {})
    number = int(company.get("NextCustomerNumber") or 1)
    while str(number) in used:
        number += 1
    company["NextCustomerNumber"] = number + 1
    call.store.set_meta("company", company)
    return str(number)


def receivables(call: Call) -> dict[str, tuple[Decimal, str | None]]:
    """Customer id → (unpaid amount of its invoices and ledger items, last invoice date)."""
    out: dict[str, tuple[Decimal, str | None]] = {}
    for invoice in call.store.all("customerinvoices"):
        unpaid, last = out.get(invoice["CustomerId"], (Decimal("0.00"), None))
        day = invoice.get("InvoiceDate")
        out[invoice["CustomerId"]] = (
            unpaid + amount(invoice.get("RemainingAmount")),
            max(last or "", day or "") or None,
        )
    for item in call.store.all("customerledgeritems"):
        unpaid, last = out.get(item["CustomerId"], (Decimal("0.00"), None))
        out[item["CustomerId"]] = (
            unpaid + amount(item.get("RemainingAmountInvoiceCurrency")),
            last,
        )
    return out


def present(
    call: Call, customer: dict[str, Any], owed: dict[str, tuple[Decimal, str | None]] | None = None
) -> dict[str, Any]:
    """The customer as answered: with its terms of payment and unpaid amount."""
    terms = call.store.get("termsofpayments", customer.get("TermsOfPaymentId"))
    unpaid, last = (owed if owed is not None else receivables(call)).get(
        customer["Id"], (Decimal("0.00"), None)
    )
    return {
        **customer,
        "TermsOfPayment": terms,
        "UnpaidInvoicesAmount": unpaid,
        "LastInvoiceDate": last,
        "IsFutureInvoiceDateAllowed": False,
    }


def _get(call: Call) -> dict[str, Any]:
    customer = call.store.get("customers", call.param("customerId"))
    if customer is None:
        raise not_found("Customer", call.params["customerId"], status=404)
    return customer


def list_customers(call: Call) -> Response:
    owed = receivables(call)
    return call.page([present(call, c, owed) for c in call.store.all("customers")])


def get_customer(call: Call) -> Response:
    return call.answer(present(call, _get(call)))


def create_customer(call: Call) -> Response:
    body = dict(call.body or {})
    terms = _check(call, body, None)
    if not body.get("CustomerNumber"):
        body["CustomerNumber"] = _next_number(call)
    body["TermsOfPaymentId"] = terms["Id"]
    body["CurrencyCode"] = (body.get("CurrencyCode") or "SEK").upper()
    customer = {**body, "Id": new_id(), "ChangedUtc": utc_stamp(call.clock.now())}
    call.store.put("customers", customer)
    return call.created(present(call, customer))


def update_customer(call: Call) -> Response:
    existing = _get(call)
    body = {
        **{k: v for k, v in existing.items() if k not in ("Id", "ChangedUtc")},
        **(call.body or {}),
    }
    terms = _check(call, body, existing["Id"])
    body["TermsOfPaymentId"] = terms["Id"]
    if not body.get("CustomerNumber"):
        body["CustomerNumber"] = existing.get("CustomerNumber")
    customer = {**body, "Id": existing["Id"], "ChangedUtc": utc_stamp(call.clock.now())}
    call.store.put("customers", customer)
    return call.answer(present(call, customer))


def delete_customer(call: Call) -> Response:
    customer = _get(call)
    for collection in ("customerinvoicedrafts", "customerinvoices", "customerledgeritems"):
        if any(d.get("CustomerId") == customer["Id"] for d in call.store.all(collection)):
            message = "The customer has transactions and cannot be deleted; set IsActive false."
            raise VismaError(CANNOT_BE_DELETED, message)
    call.store.delete("customers", customer["Id"])
    return Response(status_code=200)


ROUTES = [
    ("GET", "/customers", list_customers),
    ("POST", "/customers", create_customer),
    ("GET", "/customers/{customerId}", get_customer),
    ("PUT", "/customers/{customerId}", update_customer),
    ("DELETE", "/customers/{customerId}", delete_customer),
]
