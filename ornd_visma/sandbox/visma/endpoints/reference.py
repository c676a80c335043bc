"""Company settings, fiscal years, accounts, VAT codes, article account codings, units and
terms of payment.

Decisions: `GET /accounts` lists the accounts of the fiscal year containing today (the latest
one if none does); `GET /accounts/{fiscalyearId}` those of that year. A new fiscal year
(`POST /fiscalyears`) must start the day after the latest one ends, last 1–18 months, and gets
a copy of the latest year's accounts. `PUT /fiscalyears/{id}` sets `IsLockedForAccounting`
(then every date in it gets 4038).
"""

from datetime import timedelta
from typing import Any

from starlette.responses import Response

from ornd_visma.sandbox.visma import rules
from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.errors import CONFLICT, FieldError, VismaError, not_found, validation
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.seed import account_key, fiscal_year_dates
from ornd_visma.sandbox.visma.values import date_text, day_of, new_id

COMPANY_WRITABLE = (
    "Name",
    "Email",
    "Phone",
    "MobilePhone",
    "Address1",
    "Address2",
    "CountryCode",
    "PostalCode",
    "City",
    "Website",
    "OurReference",
    "BankGiro",
    "PlusGiro",
    "UsesMoss",
    "UsesPaymentReferenceNumber",
    "KeepOriginalDraftDate",
    "UseAutomaticVatCalculation",
    "Swish",
)


def _get(call: Call, collection: str, param: str, what: str) -> dict[str, Any]:
    doc = call.store.get(collection, call.param(param))
    if doc is None:
        raise not_found(what, call.params[param], status=404)
    return doc


def company(call: Call) -> Response:
    """The settings; `AccountingLockedTo` (a non-null date in the document) is the day before
    the first fiscal year while nothing is locked."""
    settings = dict(call.store.meta("company") or {})
    if not settings.get("AccountingLockedTo"):
        first = min(fiscal_year_dates(y)[0] for y in call.store.all("fiscalyears"))
        settings["AccountingLockedTo"] = date_text(first - timedelta(days=1))
    return call.answer(settings)


def put_company(call: Call) -> Response:
    body = call.body or {}
    settings = dict(call.store.meta("company") or {})
    settings.update({k: body[k] for k in COMPANY_WRITABLE if k in body})
    call.store.set_meta("company", settings)
    return company(call)


def fiscal_years(call: Call) -> Response:
    years = sorted(call.store.all("fiscalyears"), key=lambda y: y["StartDate"])
    return call.page(years)


def fiscal_year(call: Call) -> Response:
    return call.answer(_get(call, "fiscalyears", "id", "Fiscal year"))


def create_fiscal_year(call: Call) -> Response:
    body = call.body or {}
    start = day_of(body.get("StartDate"), "StartDate")
    end = day_of(body.get("EndDate"), "EndDate")
    if start is None or end is None:
        raise validation("StartDate and EndDate are required.", "StartDate", "Required")
    years = sorted(call.store.all("fiscalyears"), key=lambda y: y["StartDate"])
    latest = years[-1]
    _, latest_end = fiscal_year_dates(latest)
    if start != latest_end + timedelta(days=1):
        raise validation(
            f"A new fiscal year must start on {latest_end + timedelta(days=1)}.",
            "StartDate",
            "InvalidFiscalYear",
        )
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if end <= start or not 1 <= months <= 18 or (end + timedelta(days=1)).day != 1:
        raise validation(
            "A fiscal year lasts 1 to 18 whole months.", "EndDate", "InvalidFiscalYear"
        )
    ident = new_id()
    year = call.store.put(
        "fiscalyears",
        {
            "Id": ident,
            "StartDate": date_text(start),
            "EndDate": date_text(end),
            "IsLockedForAccounting": False,
            "BookkeepingMethod": latest.get("BookkeepingMethod", 0),
        },
    )
    stamp = utc_stamp(call.clock.now())
    for account in list(call.store.all("accounts")):
        if account["FiscalYearId"] == latest["Id"]:
            copy = {**account, "FiscalYearId": ident, "CreatedUtc": stamp, "ModifiedUtc": stamp}
            call.store.put("accounts", copy, account_key(ident, account["Number"]))
    return call.created(year)


def update_fiscal_year(call: Call) -> Response:
    year = _get(call, "fiscalyears", "id", "Fiscal year")
    body = call.body or {}
    if "IsLockedForAccounting" in body:
        locked = body["IsLockedForAccounting"]
        year = call.store.put("fiscalyears", {**year, "IsLockedForAccounting": locked})
    return call.answer(year)


def current_year(call: Call) -> dict[str, Any]:
    today = call.clock.today()
    years = sorted(call.store.all("fiscalyears"), key=lambda y: y["StartDate"])
    for year in years:
        start, end = fiscal_year_dates(year)
        if start <= today <= end:
            return year
    return years[-1]


def _accounts_of(call: Call, year_id: str) -> list[dict[str, Any]]:
    accounts = [a for a in call.store.all("accounts") if a["FiscalYearId"] == year_id]
    return sorted(accounts, key=lambda a: int(a["Number"]))


def accounts(call: Call) -> Response:
    return call.page(_accounts_of(call, current_year(call)["Id"]))


def accounts_of_year(call: Call) -> Response:
    year = _get(call, "fiscalyears", "fiscalyearId", "Fiscal year")
    return call.page(_accounts_of(call, year["Id"]))


def _number(call: Call) -> int:
    text = call.params["accountNumber"]
    if not text.isdigit():
        raise validation(f"The value '{text}' is not valid.", "accountNumber", "InvalidFormat")
    return int(text)


def account(call: Call) -> Response:
    year = _get(call, "fiscalyears", "fiscalyearId", "Fiscal year")
    doc = call.store.get("accounts", account_key(year["Id"], _number(call)))
    if doc is None:
        raise not_found("Account", call.params["accountNumber"], status=404)
    return call.answer(doc)


def _account_fields(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("VatCodeId"):
        code = rules.referenced(call.store, "vatcodes", body["VatCodeId"], "VAT code", "VatCodeId")
        body = {**body, "VatCodeId": code["Id"], "VatCodeDescription": code["Description"]}
    return body


def create_account(call: Call) -> Response:
    body = call.body or {}
    number = body["Number"]
    if not number.isdigit() or not 1000 <= int(number) <= 9999:
        raise validation("Number must be a four-digit account number.", "Number", "InvalidFormat")
    year = rules.referenced(
        call.store, "fiscalyears", body["FiscalYearId"], "Fiscal year", "FiscalYearId"
    )
    key = account_key(year["Id"], number)
    if call.store.get("accounts", key) is not None:
        message = f"The account {number} already exists in this fiscal year."
        raise VismaError(CONFLICT, message, errors=[FieldError("Number", "Duplicate", message)])
    stamp = utc_stamp(call.clock.now())
    klass = int(number[0])
    doc = {
        "Name": body["Name"],
        "Number": str(int(number)),
        "VatCodeId": None,
        "VatCodeDescription": None,
        "FiscalYearId": year["Id"],
        "ReferenceCode": None,
        "Type": klass,
        "TypeDescription": None,
        "ModifiedUtc": stamp,
        "CreatedUtc": stamp,
        "IsActive": body["IsActive"],
        "AllowTransactionText": True,
        "IsFirstCostCenterMandatory": False,
        "IsProjectAllowed": klass >= 3,
        "IsCostCenterAllowed": klass >= 3,
        "IsBlockedForManualBooking": False,
        "Description": None,
    }
    doc.update(
        _account_fields(
            call, {k: v for k, v in body.items() if k not in ("Number", "FiscalYearId")}
        )
    )
    return call.created(call.store.put("accounts", doc, key))


def update_account(call: Call) -> Response:
    year = _get(call, "fiscalyears", "fiscalyearId", "Fiscal year")
    key = account_key(year["Id"], _number(call))
    doc = call.store.get("accounts", key)
    if doc is None:
        raise not_found("Account", call.params["accountNumber"], status=404)
    body = _account_fields(
        call, {k: v for k, v in (call.body or {}).items() if k not in ("Number", "FiscalYearId")}
    )
    doc = {**doc, **body, "ModifiedUtc": utc_stamp(call.clock.now())}
    return call.answer(call.store.put("accounts", doc, key))


def _lister(collection: str, order: str | None = None):
    def handler(call: Call) -> Response:
        items = call.store.all(collection)
        if order:
            items = sorted(items, key=lambda d: str(d.get(order)))
        return call.page(items)

    return handler


def _getter(collection: str, param: str, what: str):
    def handler(call: Call) -> Response:
        return call.answer(_get(call, collection, param, what))

    return handler


ROUTES = [
    ("GET", "/companysettings", company),
    ("PUT", "/companysettings", put_company),
    ("GET", "/fiscalyears", fiscal_years),
    ("POST", "/fiscalyears", create_fiscal_year),
    ("GET", "/fiscalyears/{id}", fiscal_year),
    ("PUT", "/fiscalyears/{id}", update_fiscal_year),
    ("GET", "/accounts", accounts),
    ("POST", "/accounts", create_account),
    ("GET", "/accounts/{fiscalyearId}", accounts_of_year),
    ("GET", "/accounts/{fiscalyearId}/{accountNumber}", account),
    ("PUT", "/accounts/{fiscalyearId}/{accountNumber}", update_account),
    ("GET", "/vatcodes", _lister("vatcodes", "Code")),
    ("GET", "/vatcodes/{id}", _getter("vatcodes", "id", "VAT code")),
    ("GET", "/articleaccountcodings", _lister("articleaccountcodings")),
    (
        "GET",
        "/articleaccountcodings/{articleAccountCodingId}",
        _getter("articleaccountcodings", "articleAccountCodingId", "Article account coding"),
    ),
    ("GET", "/units", _lister("units")),
    ("GET", "/units/{id}", _getter("units", "id", "Unit")),
    ("GET", "/termsofpayments", _lister("termsofpayments")),
    ("GET", "/termsofpayments/{id}", _getter("termsofpayments", "id", "Terms of payment")),
]
