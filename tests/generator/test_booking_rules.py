"""Seed 002's booking accounting on hand-made cases."""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.officernd.booking_rules import accounting_date, settle


def test_seed_002_example_booking_made_two_months_ahead_is_accounted_on_the_first():
    # "If a booking scheduled for April 20 was made two months in advance and recorded as
    # 'Not accounted', it will be accounted on April 1."
    assert accounting_date(date(2026, 2, 20), date(2026, 4, 20), holder_has_credits=True) == (
        date(2026, 4, 1)
    )


def test_holder_without_credits_is_accounted_at_once_even_months_ahead():
    assert accounting_date(date(2026, 2, 20), date(2026, 5, 20), holder_has_credits=False) == (
        date(2026, 2, 20)
    )


def test_recurring_series_without_credits_waits_until_two_months_before():
    assert accounting_date(
        date(2026, 1, 10), date(2026, 5, 20), holder_has_credits=False, is_recurring=True
    ) == date(2026, 3, 20)


def test_credit_holder_booking_this_month_is_accounted_at_once():
    assert accounting_date(date(2026, 4, 3), date(2026, 4, 20), holder_has_credits=True) == (
        date(2026, 4, 3)
    )


@pytest.mark.parametrize(
    ("covered", "expected"), [(True, date(2026, 3, 25)), (False, date(2026, 4, 1))]
)
def test_credit_holder_next_month_depends_on_cover(covered, expected):
    # Credits that cover it in full settle at once; a fee is never made before the 1st.
    got = accounting_date(
        date(2026, 3, 25), date(2026, 4, 8), holder_has_credits=True, covered_by_credits=covered
    )
    assert got == expected


def test_company_with_credits_booked_three_months_ahead_is_held_to_the_first():
    # Issue 5's case: held to the 1st of the booking's month, then credits or a fee.
    assert accounting_date(date(2026, 1, 5), date(2026, 4, 14), holder_has_credits=True) == (
        date(2026, 4, 1)
    )


def test_settle_uses_credits_then_coins_then_a_fee():
    # 2 h at 450 kr: 1 credit covers 1 h; 450 kr left; 100 coins pay 100; fee 350.00.
    result = settle(Decimal(2), Decimal(450), Decimal(1), Decimal(100))
    assert (result.credits_used, result.coins_used, result.fee_amount) == (
        Decimal(1),
        Decimal("100.00"),
        Decimal("350.00"),
    )
    assert result.outcome == "fee"


def test_settle_half_hour_uses_half_a_credit():
    result = settle(Decimal("1.5"), Decimal(450), Decimal(4), Decimal(0))
    assert (result.credits_used, result.fee_amount, result.outcome) == (
        Decimal("1.5"),
        Decimal("0.00"),
        "credits",
    )


def test_settle_by_coins_only():
    # 1.5 h x 750 kr = 1125.00, 2000 coins available.
    result = settle(Decimal("1.5"), Decimal(750), Decimal(0), Decimal(2000))
    assert (result.coins_used, result.fee_amount, result.outcome) == (
        Decimal("1125.00"),
        Decimal("0.00"),
        "coins",
    )


def test_free_booking_consumes_credits_but_never_charges():
    result = settle(Decimal(3), Decimal(450), Decimal(2), Decimal(500), is_free=True)
    assert (result.credits_used, result.coins_used, result.fee_amount) == (
        Decimal(2),
        Decimal(0),
        Decimal(0),
    )


def test_settle_rejects_non_positive_duration():
    with pytest.raises(ValueError, match="positive"):
        settle(Decimal(0), Decimal(450), Decimal(0), Decimal(0))
