"""OfficeRnD Flex's monthly booking accounting (seed 002, reference §5.3), as plain functions.

OfficeRnD accounts for bookings on the 1st of each month: each unaccounted occurrence is paid
with Booking Credits, then Coins, or a one-off booking fee is generated for what remains. The
rules that decide *when* an occurrence is accounted:

* A holder (the member or company that booked, or on whose behalf) with **no** credits or coins
  is accounted at once: the fee can be invoiced at any time. Only a recurring series is held
  Tentative beyond two months and accounted two months before the occurrence.
* A holder **with** credits or coins (even credits not valid for the booked resource) is held
  unaccounted until the 1st of the month the booking takes place; a booking for the current
  month is accounted at once, and so is one for the next month when the holder's credits cover it
  in full (help article: "Bookings in the current or next calendar month are accounted
  immediately"). Our reading, where the help is ambiguous: a fee for a credit holder is never
  generated before the 1st of the occurrence's month.

Settlement order: credits (1 credit = 1 hour, only credits valid for the resource type), then
coins (1 coin = 1 SEK, for what credits did not cover), then a booking fee for the remainder.
Free bookings consume credits but never produce a fee; tentative and cancelled ones are not
charged.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ornd_visma.money import ZERO, to_money


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last = days_in_month(year, month)
    return date(year, month, min(day.day, last))


def days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - date(year, month, 1)).days


def accounting_date(
    created: date,
    occurrence: date,
    holder_has_credits: bool,
    is_recurring: bool = False,
    covered_by_credits: bool = False,
) -> date:
    """The day OfficeRnD accounts an occurrence (settles it or generates its fee).

    Never before `created`. See the module docstring for the rules.
    """
    if occurrence < created:
        return created
    if not holder_has_credits:
        if is_recurring:
            return max(created, add_months(occurrence, -2))
        return created
    month_start = first_of_month(occurrence)
    if created >= month_start:
        return created
    next_month_start = add_months(first_of_month(created), 1)
    if month_start == next_month_start and covered_by_credits:
        return created
    return month_start


@dataclass(frozen=True)
class Settlement:
    """How one occurrence was paid."""

    credits_used: Decimal  # hours; half-hour bookings use half credits
    coins_used: Decimal
    fee_amount: Decimal  # net, before VAT; zero when credits and coins covered it

    @property
    def outcome(self) -> str:
        if self.fee_amount > 0:
            return "fee"
        if self.coins_used > 0:
            return "coins"
        return "credits"


def settle(
    hours: Decimal,
    hourly_rate: Decimal,
    credits_available: Decimal,
    coins_available: Decimal,
    is_free: bool = False,
) -> Settlement:
    """Apply credits (1 credit = 1 hour), then coins (1 coin = 1 SEK), then a fee for the rest.

    Free bookings still consume credits (OfficeRnD help: credits "are consumed even for free
    bookings") but never coins or a fee.
    """
    if hours <= 0:
        raise ValueError(f"booking duration must be positive, got {hours} h")
    credits_used = min(Decimal(credits_available), Decimal(hours))
    cost = to_money((hours - credits_used) * hourly_rate)
    if is_free:
        return Settlement(credits_used, ZERO, ZERO)
    coins_used = to_money(min(Decimal(coins_available), cost))
    return Settlement(credits_used, coins_used, cost - coins_used)
