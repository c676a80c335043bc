"""Money arithmetic: Decimal only, rounded to the öre (two decimals), half up as Swedish
invoices do."""

from decimal import ROUND_HALF_UP, Decimal

ORE = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round a value to the öre, half up. Floats are refused: they cannot hold money."""
    if isinstance(value, float):
        raise TypeError(f"money must not be a float: {value!r}")
    return Decimal(value).quantize(ORE, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal | int) -> Decimal:
    """`percent` % of `amount`, rounded to the öre (a line's VAT)."""
    return to_money(Decimal(amount) * Decimal(percent) / Decimal(100))


def prorate(amount: Decimal, days_used: int, days_in_period: int) -> Decimal:
    """`amount` for `days_used` of a `days_in_period`-day period, rounded to the öre."""
    if not 0 <= days_used <= days_in_period:
        raise ValueError(f"days_used {days_used} outside 0..{days_in_period}")
    return to_money(Decimal(amount) * days_used / days_in_period)


def json_number(value: Decimal) -> int | float:
    """A Decimal as the JSON number the API sends (2 decimals at most).

    A float is only the carrier to the JSON text: Python writes the shortest repr, so
    `Decimal("1234.57")` is written as `1234.57` exactly; readers parse with Decimal.
    """
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    if value != to_money(value):
        raise ValueError(f"more than two decimals: {value}")
    return float(value)
