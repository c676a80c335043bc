"""Customer invoice drafts and invoices: row amounts, VAT and totals computed as Visma does,
from each row's article and the article's account coding, and the voucher of a booked invoice.

Per row (decisions where the reference says [INFERRED]):
* A row is a text row when `IsTextRow` is true (drafts; `IsTextRow` is read-only on invoice
  rows, so there a row without `ArticleId`, `Quantity` and `UnitPrice` is one). A text row
  needs a Text; any other row needs an `ArticleId` (2000) of an existing article (3000).
* `Amount` = Quantity × UnitPrice × (1 − DiscountPercentage), rounded to the öre. A missing
  Quantity is 0 (the .NET default); a zero UnitPrice takes the article's NetPrice when
  `ReplaceUnitPriceWhenZero`. UnitPrice may carry 2 decimals for a domestic customer in SEK,
  else 4 (2000 beyond). Prices are net: the company's `ShowPricesExclVatPC` is off, so
  `IncludesVat` is false.
* Revenue account and VAT come from the coding, by the customer's situation:
  domestic (InvoiceCountryCode SE or empty) → DomesticSalesSubjectToVat at the coding's rate,
  or DomesticSalesVatExempt for a 0 % coding or an `IsVatFree` row; EU business customer with
  a VAT number → ForeignSalesVatExemptWithinEu, no VAT (reverse charge); EU private person or
  no VAT number → ForeignSalesSubjectToVatWithinEu at the coding's rate; outside the EU →
  ForeignSalesVatExemptOutsideEu, no VAT (unless the customer has ForceBookkeepVat);
  `EuThirdParty` → ForeignSalesSubjectToThirdPartySales, no VAT. An empty slot → 4024.
  The VAT account is the revenue account's VAT code's related account (2611/2621/2631).
* VAT is computed per rate on the sum of the rows at that rate, rounded to the öre
  (`VatSpecification`). With öresavrundning on (`DomesticCurrencyRounding` 1) and the invoice
  in SEK, the total incl. VAT is rounded half away from zero to whole kronor; the difference
  is `TotalRoundings`, booked on 3740.
* A credit invoice (`IsCreditInvoice`) must total below zero (2000,
  Key `CustomerInvoiceValidationTotalAmountNotAllowedToBeZeroOrMore`); a debit invoice may not
  total below zero (2000, Key `CustomerInvoiceValidationTotalAmountNotAllowedToBeNegative`).
* Foreign currency: the customer's CurrencyCode is the invoice currency; `CurrencyRate` if
  given, else a fixed sandbox rate (EUR 11.00, USD 10.00, GBP 13.00, NOK 1.00, DKK 1.50); the
  voucher is in SEK.

The booked voucher (type 14 debit / 15 credit invoice, series B): receivable 1510 = total,
revenue per account, cost center items and project, VAT per VAT account, rounding on 3740.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ornd_visma.money import to_money
from ornd_visma.sandbox.visma import booking, errors, rules
from ornd_visma.sandbox.visma.clock import SimClock
from ornd_visma.sandbox.visma.errors import FieldError, VismaError, validation
from ornd_visma.sandbox.visma.store import Store
from ornd_visma.sandbox.visma.values import amount, new_id

HOME_COUNTRY = "SE"
HOME_CURRENCY = "SEK"
RECEIVABLE_ACCOUNT = 1510
ROUNDING_ACCOUNT = 3740
EU = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}
SANDBOX_RATES = {
    "SEK": Decimal(1),
    "EUR": Decimal("11.00"),
    "USD": Decimal("10.00"),
    "GBP": Decimal("13.00"),
    "NOK": Decimal("1.00"),
    "DKK": Decimal("1.50"),
}
CREDIT_NOT_NEGATIVE = "CustomerInvoiceValidationTotalAmountNotAllowedToBeZeroOrMore"
DEBIT_NEGATIVE = "CustomerInvoiceValidationTotalAmountNotAllowedToBeNegative"


@dataclass
class Priced:
    rows: list[dict[str, Any]]
    net: Decimal
    vat: Decimal
    rounding: Decimal
    total: Decimal
    currency: str
    rate: Decimal
    vat_specification: list[dict[str, Any]]
    # (account, cc1, cc2, cc3, project) -> net amount; vat account -> vat amount
    revenue: dict[tuple, Decimal] = field(default_factory=dict)
    vat_accounts: dict[int, Decimal] = field(default_factory=dict)

    @property
    def has_priced_rows(self) -> bool:
        return any(not r.get("IsTextRow") for r in self.rows)


def is_domestic(customer: dict[str, Any]) -> bool:
    return (customer.get("InvoiceCountryCode") or HOME_COUNTRY).upper() == HOME_COUNTRY


def currency_of(customer: dict[str, Any]) -> str:
    return (customer.get("CurrencyCode") or HOME_CURRENCY).upper()


def _slot(
    coding: dict[str, Any], customer: dict[str, Any], vat_free: bool, eu_third_party: bool
) -> tuple[str, bool]:
    """(coding field naming the revenue account, whether the coding's VAT rate applies)."""
    country = (customer.get("InvoiceCountryCode") or HOME_COUNTRY).upper()
    rated = Decimal(coding.get("VatRatePercent") or 0) != 0
    if eu_third_party:
        return "ForeignSalesSubjectToThirdPartySalesAccountNumber", False
    if country == HOME_COUNTRY:
        if vat_free or not rated:
            return "DomesticSalesVatExemptAccountNumber", False
        return "DomesticSalesSubjectToVatAccountNumber", True
    if country in EU:
        if customer.get("VatNumber") and not customer.get("IsPrivatePerson"):
            return "ForeignSalesVatExemptWithinEuAccountNumber", False
        return "ForeignSalesSubjectToVatWithinEuAccountNumber", rated and not vat_free
    if customer.get("ForceBookkeepVat") and rated and not vat_free:
        return "DomesticSalesSubjectToVatAccountNumber", True
    return "ForeignSalesVatExemptOutsideEuAccountNumber", False


def is_text_row(row: dict[str, Any], draft: bool) -> bool:
    if draft:
        return bool(row.get("IsTextRow"))
    return not row.get("ArticleId") and row.get("Quantity") is None and row.get("UnitPrice") is None


def price(
    store: Store,
    customer: dict[str, Any],
    body: dict[str, Any],
    *,
    draft: bool,
    day: date,
    currency_rate: Decimal | None = None,
) -> Priced:
    domestic = is_domestic(customer)
    currency = currency_of(customer)
    rate = currency_rate or SANDBOX_RATES.get(currency)
    if rate is None:
        raise validation(f"No exchange rate for {currency}; give CurrencyRate.", "CurrencyRate")
    year = rules.fiscal_year_for(store, day, "InvoiceDate")
    eu_third_party = bool(body.get("EuThirdParty"))
    rows_out: list[dict[str, Any]] = []
    by_rate: dict[tuple[Decimal, int | None], Decimal] = defaultdict(lambda: Decimal("0.00"))
    revenue: dict[tuple, Decimal] = defaultdict(lambda: Decimal("0.00"))
    net = Decimal("0.00")
    for index, row in enumerate(body.get("Rows") or []):
        prefix = f"Rows[{index}]."
        line = row.get("LineNumber", index) if draft else index
        if is_text_row(row, draft):
            text = row.get("Text") or ""
            if not text.strip():
                raise validation("A text row needs a Text.", f"{prefix}Text", "Required")
            rows_out.append(
                {
                    "Id": new_id(),
                    "LineNumber": line,
                    "IsTextRow": True,
                    "Text": text,
                    "ArticleId": None,
                    "Amount": Decimal("0.00"),
                    "ReversedConstructionServicesVatFree": False,
                }
            )
            continue
        if not row.get("ArticleId"):
            raise validation(
                "ArticleId is required unless the row is a text row.",
                f"{prefix}ArticleId",
                "Required",
            )
        article = rules.referenced(
            store, "articles", row["ArticleId"], "Article", f"{prefix}ArticleId"
        )
        if not article.get("IsActive", True):
            raise validation(
                f"The article {article['Number']} is inactive.",
                f"{prefix}ArticleId",
                "InactiveArticle",
            )
        coding = rules.referenced(
            store,
            "articleaccountcodings",
            article["CodingId"],
            "Article account coding",
            f"{prefix}ArticleId",
        )
        quantity = amount(row.get("Quantity"))
        unit_price = amount(row.get("UnitPrice"))
        if unit_price == 0 and body.get("ReplaceUnitPriceWhenZero"):
            unit_price = amount(article.get("NetPrice"))
        rules.check_decimals(
            unit_price, f"{prefix}UnitPrice", 2 if domestic and currency == HOME_CURRENCY else 4
        )
        discount = amount(row.get("DiscountPercentage"))
        row_amount = to_money(quantity * unit_price * (1 - discount))
        slot, rated = _slot(coding, customer, bool(row.get("IsVatFree")), eu_third_party)
        account_number = coding.get(slot)
        if not account_number:
            message = (
                f"The article coding '{coding['Name']}' has no sales account for this "
                f"sale ({slot})."
            )
            raise VismaError(
                errors.SALES_ACCOUNT_MISSING,
                message,
                errors=[FieldError(f"{prefix}ArticleId", "SalesAccountNumberMissing", message)],
            )
        account = rules.account_for(store, year, int(account_number), f"{prefix}ArticleId")
        rules.check_dimensions(store, row, prefix, day, account)
        vat_rate = Decimal(coding["VatRatePercent"]) if rated else Decimal(0)
        vat_account = None
        if vat_rate:
            code = store.get("vatcodes", account.get("VatCodeId")) or {}
            vat_account = (code.get("RelatedAccounts") or {}).get("AccountNumber1")
            if not vat_account:
                raise VismaError(
                    errors.SALES_ACCOUNT_MISSING,
                    f"The account {account_number} has no VAT account.",
                )
        by_rate[(vat_rate, vat_account)] += row_amount
        key = (
            int(account_number),
            *(_lower(row.get(f"CostCenterItemId{n}")) for n in (1, 2, 3)),
            _lower(row.get("ProjectId")),
        )
        revenue[key] += row_amount
        net += row_amount
        unit = store.get("units", article.get("UnitId")) or {}
        rows_out.append(
            {
                "Id": new_id(),
                "LineNumber": line,
                "ArticleId": article["Id"],
                "ArticleNumber": article["Number"],
                "IsServiceArticle": coding["Type"] == "Service",
                "IsTextRow": False,
                "Text": row.get("Text") or article["Name"],
                "UnitPrice": unit_price,
                "Quantity": quantity,
                "DiscountPercentage": discount,
                "IsVatFree": bool(row.get("IsVatFree")) or not vat_rate,
                "ReversedConstructionServicesVatFree": bool(
                    row.get("ReversedConstructionServicesVatFree")
                ),
                "CostCenterItemId1": _lower(row.get("CostCenterItemId1")),
                "CostCenterItemId2": _lower(row.get("CostCenterItemId2")),
                "CostCenterItemId3": _lower(row.get("CostCenterItemId3")),
                "ProjectId": _lower(row.get("ProjectId")),
                "UnitId": article.get("UnitId"),
                "UnitName": unit.get("Name"),
                "UnitAbbreviation": unit.get("Abbreviation"),
                "UnitAbbreviationEnglish": unit.get("AbbreviationEnglish"),
                "VatRateId": account.get("VatCodeId"),
                "VatRate": vat_rate,
                "PercentVat": vat_rate,
                "AmountNoVat": row_amount,
                "Amount": row_amount,
                "_Account": int(account_number),
                "_VatAccount": vat_account,
            }
        )
    vat_spec, vat_accounts, vat_total = [], defaultdict(lambda: Decimal("0.00")), Decimal("0.00")
    for (vat_rate, vat_account), base in sorted(by_rate.items(), key=lambda kv: -kv[0][0]):
        vat = to_money(base * vat_rate)
        vat_total += vat
        if vat_account:
            vat_accounts[vat_account] += vat
        vat_spec.append(
            {"AmountInvoiceCurrency": base, "VatAmountInvoiceCurrency": vat, "VatPercent": vat_rate}
        )
    unrounded = net + vat_total
    total = unrounded
    company = store.meta("company") or {}
    if company.get("DomesticCurrencyRounding") == 1 and currency == HOME_CURRENCY:
        total = _half_away(unrounded)
    return Priced(
        rows_out,
        net,
        vat_total,
        total - unrounded,
        total,
        currency,
        rate,
        vat_spec,
        dict(revenue),
        dict(vat_accounts),
    )


def _half_away(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))


def check_sign(priced: Priced, is_credit: bool) -> None:
    if is_credit and priced.total >= 0:
        raise validation(
            "A credit invoice must have a negative total amount.",
            "Rows",
            "CreditInvoiceTotal",
            CREDIT_NOT_NEGATIVE,
        )
    if not is_credit and priced.total < 0:
        raise validation(
            "An invoice with a negative total must be a credit invoice (IsCreditInvoice).",
            "IsCreditInvoice",
            "NegativeTotal",
            DEBIT_NEGATIVE,
        )


def base(value: Decimal, rate: Decimal) -> Decimal:
    return to_money(value * rate)


def book_invoice(
    store: Store, clock: SimClock, invoice: dict[str, Any], priced: Priced, customer: dict[str, Any]
) -> dict[str, Any]:
    """The voucher of a booked customer invoice (credit positive = credit side)."""
    lines: list[tuple[int, Decimal, dict[str, Any]]] = []
    rate = priced.rate
    for (account, cc1, cc2, cc3, project), net in priced.revenue.items():
        lines.append(
            (
                account,
                base(net, rate),
                {
                    "CostCenterItemId1": cc1,
                    "CostCenterItemId2": cc2,
                    "CostCenterItemId3": cc3,
                    "ProjectId": project,
                },
            )
        )
    for account, vat in priced.vat_accounts.items():
        lines.append((account, base(vat, rate), {}))
    if priced.rounding:
        lines.append((ROUNDING_ACCOUNT, base(priced.rounding, rate), {}))
    receivable = sum((line[1] for line in lines), Decimal("0.00"))
    lines.insert(0, (RECEIVABLE_ACCOUNT, -receivable, {}))
    rows = []
    for account, credit, extra in lines:
        if credit == 0:
            continue
        side = "CreditAmount" if credit > 0 else "DebitAmount"
        rows.append(
            {
                "AccountNumber": account,
                side: abs(credit),
                "TransactionText": f"{customer['Name']}"[:60],
                **extra,
            }
        )
    kind = "Kreditfaktura" if invoice["IsCreditInvoice"] else "Kundfaktura"
    body = {
        "VoucherDate": invoice["InvoiceDate"],
        "VoucherText": f"{kind} {invoice['InvoiceNumber']} {customer['Name']}"[:1000],
        "Rows": rows,
    }
    return booking.book(
        store,
        clock,
        body,
        manual=False,
        voucher_type=15 if invoice["IsCreditInvoice"] else 14,
        source_id=invoice["Id"],
        series=booking.INVOICE_SERIES,
        locked_code=errors.CANNOT_BOOKKEEP_INVOICE,
    )


def public_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None
