"""The accounting rules of the books, as plain functions (the SQL around them does the sets).

Choices where the references are unsure (change them here):

* **Fee kind** of a line: `membership` when it comes from a membership; `booking` when its
  plan is a resource rate (OfficeRnD books booking fees on the rate, `planType:
  ResourceRate`); `deposit` when its fee is refundable (OfficeRnD tags those Deposit);
  `one_off` otherwise.
* **Reverse charge** applies to lines OfficeRnD sent with a reverse-charge tax rate, and only
  for a company with an EU VAT number outside Sweden (the VAT number's prefix decides, else the
  country); such a line without one is held: Swedish VAT may be due.
* **Property-connected services** (EU VAT implementing regulation 282/2011 art. 31a: letting
  and use of a defined part of a building) are taxed where the property is, also for an EU
  business customer, so reverse charge is arguably wrong on them (reference §3.3,
  [UNVERIFIED] for coworking). The revenue classes taken as property-connected are
  `PROPERTY_CONNECTED_CLASSES`; the books never change what OfficeRnD invoiced, `doctor`
  warns when a reverse-charge rate reaches one of them.
* **Öresavrundning**: the receivable is the total rounded to whole kronor, half away from zero
  (Visma's `DomesticCurrencyRounding` 1: 0.50 up, 0.49 down, symmetric for credit notes); the
  difference goes to the rounding account. Line VAT stays to the öre.
* **Net amount** of a line is OfficeRnD's `subTotal` (before VAT, `taxType: excluded`); for
  `taxType: included` it is `total - taxAmount`.
* **Recognition**: a rule's `recognition`, else `point` for fees (one-off charges, booking
  fees: recognised on the day of use) and `period` for memberships (spread by day).
* **Revenue** is what lands on a BAS class-3 account (3000-3999); a line on another account
  (a deposit on 2420, a liability) is booked but never in the revenue schedule.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ornd_visma.mapping import Mapping, VatMap
from ornd_visma.money import ORE, to_money

# EU member states by VAT-number prefix (Greece uses EL) and the names OfficeRnD may carry.
EU_VAT_PREFIXES = frozenset(
    (
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    )
)  # fmt: skip
EU_COUNTRY_NAMES = {
    "austria": "AT", "belgium": "BE", "bulgaria": "BG", "cyprus": "CY", "czechia": "CZ",
    "czech republic": "CZ", "germany": "DE", "denmark": "DK", "estonia": "EE", "greece": "EL",
    "spain": "ES", "finland": "FI", "france": "FR", "croatia": "HR", "hungary": "HU",
    "ireland": "IE", "italy": "IT", "lithuania": "LT", "luxembourg": "LU", "latvia": "LV",
    "malta": "MT", "netherlands": "NL", "poland": "PL", "portugal": "PT", "romania": "RO",
    "sweden": "SE", "sverige": "SE", "slovenia": "SI", "slovakia": "SK",
}  # fmt: skip
HOME_COUNTRY = "SE"
# Revenue classes whose supply is the letting or use of a defined part of the building: a
# private office, a desk or membership with a workplace, meeting and event rooms, parking, a
# day at a desk. A virtual office (an address and mail) or printing is not.
PROPERTY_CONNECTED_CLASSES = frozenset(
    ("membership", "private_office", "day_pass", "booking_fee", "event_space", "parking")
)


def fee_kind(
    has_membership: bool,
    plan_is_resource_rate: bool,
    fee_plan_type: str | None = None,
    fee_is_refundable: bool | None = None,
) -> str:
    """Where a line comes from: `membership`, `booking`, `deposit` or `one_off`."""
    if has_membership:
        return "membership"
    if plan_is_resource_rate or fee_plan_type == "ResourceRate":
        return "booking"
    if fee_is_refundable:
        return "deposit"
    return "one_off"


def country_code(country: str | None) -> str | None:
    """An ISO-like code for OfficeRnD's country text (`Sweden`, `NL`), else None."""
    if not country:
        return None
    text = country.strip()
    if len(text) == 2:
        code = text.upper()
        return "EL" if code == "GR" else code
    return EU_COUNTRY_NAMES.get(text.lower())


def is_eu_business(country: str | None, vat_number: str | None) -> bool:
    """A business customer established in another EU state: an EU VAT number not Swedish."""
    if not vat_number or len(vat_number.strip()) < 4:
        return False
    prefix = vat_number.strip()[:2].upper()
    if prefix.isalpha():
        return prefix in EU_VAT_PREFIXES and prefix != HOME_COUNTRY
    code = country_code(country)
    return code is not None and code in EU_VAT_PREFIXES and code != HOME_COUNTRY


def recognition(rule_recognition: str | None, kind: str) -> str:
    if rule_recognition is not None:
        return rule_recognition
    return "period" if kind == "membership" else "point"


def is_revenue_account(account: int | None) -> bool:
    return account is not None and 3000 <= account <= 3999


def net_amount(tax_type: str | None, sub_total: Decimal, total: Decimal, tax: Decimal) -> Decimal:
    if tax_type == "included":
        return to_money(total - tax)
    return to_money(sub_total)


def posted_total(total: Decimal, rounding: str) -> Decimal:
    """The receivable: `total` to whole kronor half away from zero, or as it is."""
    if rounding == "none":
        return to_money(total)
    if rounding != "whole_krona":
        raise ValueError(f"unknown rounding {rounding!r}")
    return Decimal(total).quantize(Decimal(1), rounding=ROUND_HALF_UP).quantize(ORE)


def spread_by_day(amount: Decimal, start: date, end: date) -> list[tuple[date, Decimal]]:
    """`amount` spread evenly over the days `start..end` (inclusive), to the öre; the öre
    left over go one each to the last days, so the parts add up to `amount` exactly."""
    if end < start:
        raise ValueError(f"service period ends {end} before it starts {start}")
    days = (end - start).days + 1
    ore = int(to_money(amount) * 100)
    sign = -1 if ore < 0 else 1
    base, remainder = divmod(abs(ore), days)
    return [
        (
            start + timedelta(days=i),
            Decimal(sign * (base + (1 if i >= days - remainder else 0))) / 100,
        )
        for i in range(days)
    ]


def vat_of_line(
    mapping: Mapping,
    tax_rate_names: tuple[str | None, ...],
    eu_business: bool,
) -> tuple[VatMap | None, str, str | None]:
    """(the mapping's VAT entry, treatment, the reason the line cannot be booked or None)."""
    vat = mapping.find(mapping.vat, *tax_rate_names)
    label = next((n for n in tax_rate_names if n), None)
    if label is None:
        return None, "standard", "has no tax rate"
    if vat is None:
        return None, "standard", f"tax rate {label} is not in the mapping's vat"
    treatment = vat.vat_treatment
    if treatment == "reverse_charge" and not eu_business:
        return (
            vat,
            treatment,
            (f"reverse charge ({label}) but the customer has no EU VAT number outside Sweden"),
        )
    return vat, treatment, None
