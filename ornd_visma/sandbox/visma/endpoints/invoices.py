"""Customer invoice drafts, their conversion, and customer invoices (debit and credit).

Totals are computed by `invoicing` (read-only totals sent by a client are ignored). A draft is
priced when stored, with the accounts of the fiscal year of its date (or the current one); the
credit-sign rule applies to drafts that have priced rows. Converting (or posting an invoice
directly) prices again at the invoice date, which must lie in an open fiscal year after the
locked period (3001 / 4038 / 4013), gives the next invoice number, books a voucher and, for a
conversion, deletes the draft.

Invoice date on conversion: the draft's date when the company's `KeepOriginalDraftDate`
(seeded true) holds, else today; `overrideCompanyKeepOriginalDraftDate=true` makes
`keepOriginalDraftDate` decide instead. A draft without a date gets today.

The convert body (`CustomerInvoiceDraftValidationApi`) is optional; each total or row amount
it gives must equal the computed one, else 2000 with Key
`CustomerInvoiceDraftValidationMismatch` (the document implies a check; its outcome is not
documented). Amounts: `TotalAmount*` include VAT and rounding; the `...InvoiceCurrency` ones
are in the customer's currency, the others in SEK.
"""

import calendar
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from ornd_visma.money import to_money
from ornd_visma.sandbox.visma import invoicing, rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import (
    CANNOT_BOOKKEEP_INVOICE,
    INVALID_INPUT,
    VismaError,
    not_found,
    validation,
)
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.invoicing import Priced, public_rows
from ornd_visma.sandbox.visma.seed import fiscal_year_dates
from ornd_visma.sandbox.visma.spec import parse_date_time
from ornd_visma.sandbox.visma.values import amount, date_text, day_of, new_id

MISMATCH = "CustomerInvoiceDraftValidationMismatch"
DRAFT_FIELDS_FROM_BODY = (
    "IsCreditInvoice",
    "RotReducedInvoicingType",
    "RotReducedInvoicingPropertyName",
    "RotReducedInvoicingOrgNumber",
    "RotReducedInvoicingAmount",
    "RotReducedInvoicingAutomaticDistribution",
    "RotPropertyType",
    "HouseWorkOtherCosts",
    "Persons",
    "YourReference",
    "OurReference",
    "BuyersOrderReference",
    "ElectronicReference",
    "SubscriptionNumber",
    "ContractNumber",
    "InvoiceAddress1",
    "InvoiceAddress2",
    "DeliveryCustomerName",
    "DeliveryAddress1",
    "DeliveryAddress2",
    "DeliveryPostalCode",
    "DeliveryCity",
    "DeliveryCountryCode",
    "DeliveryMethodName",
    "DeliveryTermName",
    "DeliveryMethodCode",
    "DeliveryTermCode",
    "EuThirdParty",
    "DeliveryDate",
    "ReplaceUnitPriceWhenZero",
    "UsesGreenTechnology",
    "IsDirectDebit",
    "BackgroundId",
    "SendType",
    "EdiServiceDelivererId",
    "WorkHouseOtherCosts",
    "CurrencyRate",
    "InvoicePostalCode",
    "InvoiceCity",
    "InvoiceCountryCode",
)


def _pricing_year_ok(call: Call, day: date) -> date:
    """For a draft: `day` if a fiscal year holds it, else today (drafts are not booked)."""
    for year in call.store.all("fiscalyears"):
        start, end = fiscal_year_dates(year)
        if start <= day <= end:
            return day
    return call.clock.today()


def _customer(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return rules.referenced(
        call.store, "customers", body.get("CustomerId"), "Customer", "CustomerId"
    )


def _terms(call: Call, body: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    ident = body.get("TermsOfPaymentId") or customer.get("TermsOfPaymentId")
    return rules.referenced(
        call.store, "termsofpayments", ident, "Terms of payment", "TermsOfPaymentId"
    )


def _due(day: date, terms: dict[str, Any]) -> date:
    days = int(terms.get("NumberOfDays") or 0)
    if terms.get("TermsOfPaymentTypeId") == 1:  # current month
        day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day + timedelta(days=days)


def _rate(body: dict[str, Any]) -> Decimal | None:
    value = body.get("CurrencyRate")
    return amount(value) if value else None


def _document(
    call: Call, body: dict[str, Any], customer: dict[str, Any], priced: Priced, day: date | None
) -> dict[str, Any]:
    """The fields drafts and invoices share."""
    terms = _terms(call, body, customer)
    due = day_of(body.get("DueDate"), "DueDate") or (_due(day, terms) if day else None)
    doc = {k: body[k] for k in DRAFT_FIELDS_FROM_BODY if k in body}
    doc.update(
        {
            "CustomerId": customer["Id"],
            "IsCreditInvoice": bool(body.get("IsCreditInvoice")),
            "EuThirdParty": bool(body.get("EuThirdParty")),
            "RotReducedInvoicingType": body.get("RotReducedInvoicingType", 0),
            "InvoiceDate": date_text(day),
            "DueDate": date_text(due),
            "DeliveryDate": date_text(day_of(body.get("DeliveryDate"), "DeliveryDate")),
            "TermsOfPaymentId": terms["Id"],
            "Rows": priced.rows,
            "InvoiceCustomerName": customer["Name"],
            "InvoiceAddress1": body.get("InvoiceAddress1") or customer.get("InvoiceAddress1"),
            "InvoiceAddress2": body.get("InvoiceAddress2") or customer.get("InvoiceAddress2"),
            "InvoicePostalCode": customer.get("InvoicePostalCode"),
            "InvoiceCity": customer.get("InvoiceCity"),
            "InvoiceCountryCode": customer.get("InvoiceCountryCode"),
            "CustomerIsPrivatePerson": bool(customer.get("IsPrivatePerson")),
            "CustomerNumber": customer.get("CustomerNumber"),
            "CustomerName": customer["Name"],
            "IncludesVat": False,
            "ReverseChargeOnConstructionServices": False,
        }
    )
    return doc


def _present(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: v for k, v in doc.items() if not k.startswith("_")},
        "Rows": public_rows(doc.get("Rows") or []),
    }


# --- drafts -------------------------------------------------------------------------------


def _price_draft(
    call: Call, body: dict[str, Any], customer: dict[str, Any]
) -> tuple[Priced, date | None]:
    day = day_of(body.get("InvoiceDate"), "InvoiceDate")
    priced = invoicing.price(
        call.store,
        customer,
        body,
        draft=True,
        day=_pricing_year_ok(call, day or call.clock.today()),
        currency_rate=_rate(body),
    )
    if priced.has_priced_rows:
        invoicing.check_sign(priced, bool(body.get("IsCreditInvoice")))
    return priced, day


def _draft(call: Call, body: dict[str, Any], ident: str, created: str) -> dict[str, Any]:
    customer = _customer(call, body)
    priced, day = _price_draft(call, body, customer)
    doc = _document(call, body, customer, priced, day)
    doc.update(
        {
            "Id": ident,
            "CreatedUtc": created,
            "InvoiceCurrencyCode": priced.currency,
            "TotalAmount": priced.total,
            "TotalVatAmount": priced.vat,
            "TotalRoundings": priced.rounding,
            "TotalAmountBaseCurrency": invoicing.base(priced.total, priced.rate),
            "TotalVatAmountBaseCurrency": invoicing.base(priced.vat, priced.rate),
            "_Body": body,
        }
    )
    return call.store.put("customerinvoicedrafts", doc)


def _get_draft(call: Call, param: str) -> dict[str, Any]:
    draft = call.store.get("customerinvoicedrafts", call.param(param))
    if draft is None:
        raise not_found("Customer invoice draft", call.params[param], status=404)
    return draft


def list_drafts(call: Call) -> Response:
    return call.page([_present(d) for d in call.store.all("customerinvoicedrafts")])


def get_draft(call: Call) -> Response:
    return call.answer(_present(_get_draft(call, "invoiceDraftId")))


def create_draft(call: Call) -> Response:
    draft = _draft(call, dict(call.body or {}), new_id(), utc_stamp(call.clock.now()))
    return call.created(_present(draft))


def update_draft(call: Call) -> Response:
    existing = _get_draft(call, "customerInvoiceDraftId")
    draft = _draft(call, dict(call.body or {}), existing["Id"], existing["CreatedUtc"])
    return call.answer(_present(draft))


def delete_draft(call: Call) -> Response:
    draft = _get_draft(call, "customerInvoiceDraftId")
    call.store.delete("customerinvoicedrafts", draft["Id"])
    return Response(status_code=200)


def convert_draft(call: Call) -> Response:
    draft = _get_draft(call, "customerInvoiceDraftId")
    body = dict(draft["_Body"])
    company = call.store.meta("company") or {}
    keep = bool(company.get("KeepOriginalDraftDate"))
    if call.flag("overrideCompanyKeepOriginalDraftDate", False):
        keep = call.flag("keepOriginalDraftDate", False)
    else:
        keep = keep or call.flag("keepOriginalDraftDate", False)
    if not keep or not body.get("InvoiceDate"):
        body["InvoiceDate"] = call.clock.today().isoformat()
        body.pop("DueDate", None)
    invoice = _issue(call, body, created_from=draft["Id"], expect=call.body, draft_rows=True)
    call.store.delete("customerinvoicedrafts", draft["Id"])
    return call.created(_present(invoice), "CustomerInvoiceApi")


def _check_expected(priced: Priced, expect: dict[str, Any]) -> None:
    pairs = (
        ("TotalAmountInvoiceCurrency", priced.total),
        ("TotalVatAmountInvoiceCurrency", priced.vat),
        ("TotalRoundingsInvoiceCurrency", priced.rounding),
    )
    for name, actual in pairs:
        if expect.get(name) is not None and amount(expect[name]) != actual:
            raise validation(
                f"{name} {expect[name]} does not match the computed {actual}.",
                name,
                "Mismatch",
                MISMATCH,
            )
    rows = {row["LineNumber"]: row for row in priced.rows}
    for index, wanted in enumerate(expect.get("Rows") or []):
        row = rows.get(wanted.get("LineNumber"))
        field = f"Rows[{index}]"
        if row is None:
            raise validation(
                f"No row with LineNumber {wanted.get('LineNumber')}.",
                f"{field}.LineNumber",
                "Mismatch",
                MISMATCH,
            )
        net = row["Amount"]
        gross = net + to_money(net * Decimal(row.get("VatRate") or 0))
        for name, actual in (
            ("TotalAmountNoVatInvoiceCurrency", net),
            ("TotalAmountIncVatInvoiceCurrency", gross),
        ):
            if wanted.get(name) is not None and amount(wanted[name]) != actual:
                raise validation(
                    f"{field}.{name} {wanted[name]} does not match the computed {actual}.",
                    f"{field}.{name}",
                    "Mismatch",
                    MISMATCH,
                )


# --- invoices -----------------------------------------------------------------------------


def _issue(
    call: Call,
    body: dict[str, Any],
    created_from: str | None,
    expect: dict[str, Any] | None = None,
    draft_rows: bool = False,
) -> dict[str, Any]:
    store = call.store
    customer = _customer(call, body)
    day = day_of(body.get("InvoiceDate"), "InvoiceDate") or call.clock.today()
    rules.check_open(store, day, "InvoiceDate", CANNOT_BOOKKEEP_INVOICE)
    priced = invoicing.price(
        store, customer, body, draft=draft_rows, day=day, currency_rate=_rate(body)
    )
    is_credit = bool(body.get("IsCreditInvoice"))
    invoicing.check_sign(priced, is_credit)
    if expect:
        _check_expected(priced, expect)
    if not priced.has_priced_rows:
        raise validation("An invoice needs at least one article row.", "Rows", "Required")
    now = utc_stamp(call.clock.now())
    company = dict(store.meta("company") or {})
    number = int(company.get("NextCustomerInvoiceNumber") or 1)
    company["NextCustomerInvoiceNumber"] = number + 1
    store.set_meta("company", company)
    doc = _document(call, body, customer, priced, day)
    total_base = invoicing.base(priced.total, priced.rate)
    doc.update(
        {
            "Id": new_id(),
            "InvoiceNumber": number,
            "CurrencyCode": priced.currency,
            "CurrencyRate": priced.rate,
            "TotalAmount": total_base,
            "TotalVatAmount": invoicing.base(priced.vat, priced.rate),
            "TotalRoundings": invoicing.base(priced.rounding, priced.rate),
            "TotalAmountInvoiceCurrency": priced.total,
            "TotalVatAmountInvoiceCurrency": priced.vat,
            "SetOffAmountInvoiceCurrency": Decimal("0.00"),
            "VatSpecification": priced.vat_specification,
            "CustomerEmail": customer.get("EmailAddress"),
            "PaymentReferenceNumber": None,
            "RemainingAmount": total_base,
            "RemainingAmountInvoiceCurrency": priced.total,
            "ReferringInvoiceId": None,
            "CreatedFromDraftId": created_from,
            "CreatedUtc": now,
            "ModifiedUtc": now,
            "PaymentStatus": 1,
            "CreditedBy": [],
            "IsQuickInvoice": False,
            "IsSold": False,
            "SendType": body.get("SendType", 0),
        }
    )
    voucher = invoicing.book_invoice(store, call.clock, doc, priced, customer)
    doc.update({"VoucherId": voucher["Id"], "VoucherNumber": voucher["NumberAndNumberSeries"]})
    return store.put("customerinvoices", doc)


def _present_invoice(call: Call, invoice: dict[str, Any]) -> dict[str, Any]:
    out = _present(invoice)
    due = day_of(invoice.get("DueDate"))
    if invoice.get("RemainingAmount") and due and due < call.clock.today():
        out["PaymentStatus"] = 2
    return out


def list_invoices(call: Call) -> Response:
    invoices = call.store.all("customerinvoices")
    since = call.query.get("modifiedSinceUtc")
    if since:
        moment = parse_date_time(since)
        if moment is None:
            raise VismaError(INVALID_INPUT, f"Invalid DateTime '{since}' for modifiedSinceUtc")
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        invoices = [
            i for i in invoices if (parse_date_time(i.get("ModifiedUtc") or "") or moment) >= moment
        ]
    return call.page([_present_invoice(call, i) for i in invoices])


def get_invoice(call: Call) -> Response:
    invoice = call.store.get("customerinvoices", call.param("invoiceId"))
    if invoice is None:
        raise not_found("Customer invoice", call.params["invoiceId"], status=404)
    return call.answer(_present_invoice(call, invoice))


def create_invoice(call: Call) -> Response:
    body = dict(call.body or {})
    draft_id = body.get("CreatedFromDraftId")
    draft = call.store.get("customerinvoicedrafts", draft_id) if draft_id else None
    invoice = _issue(call, body, created_from=draft["Id"] if draft else None)
    if draft:
        call.store.delete("customerinvoicedrafts", draft["Id"])
    return call.created(_present_invoice(call, invoice))


ROUTES = [
    ("GET", "/customerinvoicedrafts", list_drafts),
    ("POST", "/customerinvoicedrafts", create_draft),
    ("GET", "/customerinvoicedrafts/{invoiceDraftId}", get_draft),
    ("PUT", "/customerinvoicedrafts/{customerInvoiceDraftId}", update_draft),
    ("DELETE", "/customerinvoicedrafts/{customerInvoiceDraftId}", delete_draft),
    ("POST", "/customerinvoicedrafts/{customerInvoiceDraftId}/convert", convert_draft),
    ("GET", "/customerinvoices", list_invoices),
    ("POST", "/customerinvoices", create_invoice),
    ("GET", "/customerinvoices/{invoiceId}", get_invoice),
]
