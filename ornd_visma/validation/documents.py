"""Checks of invoices and credit notes beyond their columns: every line's references, and the
arithmetic to the öre (see `ornd_visma.officernd.billing_rules`)."""

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from ornd_visma.money import percent_of
from ornd_visma.validation.references import References

# Check names.
LINE_TAX_RATE_PRESENT = "line_tax_rate_present"
LINE_TAX_RATE_EXISTS = "line_tax_rate_exists"
LINE_TAX_PERCENT = "line_tax_percent_matches_rate"
LINE_ACCOUNT_EXISTS = "line_revenue_account_exists"
LINE_PLAN_EXISTS = "line_plan_exists"
LINE_LOCATION_EXISTS = "line_location_exists"
LINE_QUANTITY_POSITIVE = "line_quantity_positive"
LINE_AMOUNTS = "line_amounts"
DOCUMENT_TOTALS = "document_totals"
CURRENCY = "currency_is_base"


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")


def document_problems(
    doc: dict, refs: References, base_currency: str
) -> Iterator[tuple[str, str | None, str]]:
    """(check, offending value, reason) for each problem of one payment document."""
    number = doc.get("number") or doc.get("_id")
    if doc.get("currency") != base_currency:
        yield (
            CURRENCY,
            str(doc.get("currency")),
            (f"payment {number}: currency {doc.get('currency')} is not {base_currency}"),
        )
    lines = doc.get("lines") or []
    taxes: dict[str, Decimal] = defaultdict(Decimal)
    net = Decimal(0)
    for index, line in enumerate(lines, start=1):
        where = f"payment {number} line {index} ({line.get('description', '')!r})"
        rate = line.get("taxRate")
        if not rate:
            yield LINE_TAX_RATE_PRESENT, None, f"{where} has no tax rate"
        elif refs.tax_rates and rate not in refs.tax_rates:
            yield LINE_TAX_RATE_EXISTS, rate, f"{where}: tax rate {rate} does not exist"
        elif refs.tax_rates and _decimal(line.get("taxPercent")) != refs.tax_rates[rate]:
            yield (
                LINE_TAX_PERCENT,
                str(line.get("taxPercent")),
                (
                    f"{where}: taxPercent {line.get('taxPercent')} is not the rate's "
                    f"{refs.tax_rates[rate]}"
                ),
            )
        account = line.get("account")
        if refs.revenue_accounts and account not in refs.revenue_accounts:
            yield LINE_ACCOUNT_EXISTS, account, f"{where}: revenue account {account} unknown"
        plan = line.get("plan")
        if plan and refs.plans_and_rates and plan not in refs.plans_and_rates:
            yield LINE_PLAN_EXISTS, plan, f"{where}: plan {plan} does not exist"
        location = line.get("location")
        if location and refs.locations and location not in refs.locations:
            yield LINE_LOCATION_EXISTS, location, f"{where}: location {location} unknown"
        quantity = _decimal(line.get("quantity"))
        if not quantity > 0:
            yield (
                LINE_QUANTITY_POSITIVE,
                str(line.get("quantity")),
                (f"{where}: quantity {line.get('quantity')} is not positive"),
            )
        sub_total, tax = _decimal(line.get("subTotal")), _decimal(line.get("taxAmount"))
        percent = _decimal(line.get("taxPercent"))
        if percent.is_finite() and sub_total.is_finite() and tax != percent_of(sub_total, percent):
            yield (
                LINE_AMOUNTS,
                str(line.get("taxAmount")),
                (f"{where}: VAT {tax} is not {percent} % of {sub_total}"),
            )
        taxes[str(rate)] += tax
        net += sub_total
    total = _decimal(doc.get("total"))
    declared = {
        str(t.get("taxRate")): _decimal(t.get("total")) for t in doc.get("taxAmounts") or []
    }
    expected_total = net + sum(taxes.values(), Decimal(0))
    if (
        _decimal(doc.get("subTotal")) != net
        or total != expected_total
        or (declared and declared != dict(taxes))
    ):
        yield (
            DOCUMENT_TOTALS,
            str(doc.get("total")),
            (
                f"payment {number}: total {doc.get('total')} is not lines {net} + VAT "
                f"{expected_total - net} = {expected_total}"
            ),
        )
