"""The books' rule functions, directly."""

from datetime import date
from decimal import Decimal as D

import pytest

from ornd_visma.books import rules
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping


def test_spread_by_day_puts_the_ore_left_over_on_the_last_days():
    # 100.00 over 3 days: 10000 öre / 3 = 3333 rest 1 -> 33.33, 33.33, 33.34
    assert [a for _, a in rules.spread_by_day(D("100.00"), date(2026, 9, 1), date(2026, 9, 3))] == [
        D("33.33"), D("33.33"), D("33.34"),
    ]  # fmt: skip
    # negative amounts mirror: -0.05 over 3 days: 5 öre / 3 = 1 rest 2 -> -0.01, -0.02, -0.02
    assert [a for _, a in rules.spread_by_day(D("-0.05"), date(2026, 9, 1), date(2026, 9, 3))] == [
        D("-0.01"), D("-0.02"), D("-0.02"),
    ]  # fmt: skip
    one = rules.spread_by_day(D("12.34"), date(2026, 9, 5), date(2026, 9, 5))
    assert one == [(date(2026, 9, 5), D("12.34"))]
    with pytest.raises(ValueError, match="ends 2026-09-01 before it starts 2026-09-02"):
        rules.spread_by_day(D(1), date(2026, 9, 2), date(2026, 9, 1))


def test_posted_total_rounds_half_away_from_zero():
    assert rules.posted_total(D("659.25"), "whole_krona") == D("659.00")  # 25 öre down
    assert rules.posted_total(D("659.50"), "whole_krona") == D("660.00")  # 50 öre up
    assert rules.posted_total(D("-659.50"), "whole_krona") == D("-660.00")  # symmetric
    assert rules.posted_total(D("659.49"), "whole_krona") == D("659.00")
    assert rules.posted_total(D("659.49"), "none") == D("659.49")
    with pytest.raises(ValueError, match="unknown rounding"):
        rules.posted_total(D(1), "tenths")


def test_fee_kind_and_recognition():
    assert rules.fee_kind(True, False) == "membership"
    assert rules.fee_kind(False, True) == "booking"
    assert rules.fee_kind(False, False, "ResourceRate") == "booking"
    assert rules.fee_kind(False, False, "Plan", True) == "deposit"
    assert rules.fee_kind(False, False, "Plan", False) == "one_off"
    assert rules.recognition(None, "membership") == "period"
    assert rules.recognition(None, "booking") == "point"
    assert rules.recognition("period", "one_off") == "period"
    assert rules.is_revenue_account(3001) and not rules.is_revenue_account(2420)


def test_eu_business_by_vat_number_then_country():
    assert rules.is_eu_business("NL", "NL112532870B01")
    assert rules.is_eu_business("Greece", "EL123456789")
    assert rules.is_eu_business("Finland", "12345678")  # no prefix: the country decides
    assert not rules.is_eu_business("Sweden", "SE559837407101")
    assert not rules.is_eu_business("NL", None)  # a consumer: Swedish VAT
    assert not rules.is_eu_business("Norway", "NO123456789MVA")
    assert rules.country_code("Sverige") == "SE" and rules.country_code("gr") == "EL"


def test_vat_of_line_with_the_example_mapping():
    mapping = load_mapping(SANDBOX_MAPPING)
    vat, treatment, problem = rules.vat_of_line(mapping, ("SE25", "id"), False)
    assert (vat.vat_code, treatment, problem) == ("10", "standard", None)
    _, treatment, problem = rules.vat_of_line(mapping, ("RCEU",), True)
    assert (treatment, problem) == ("reverse_charge", None)
    _, _, problem = rules.vat_of_line(mapping, ("RCEU",), False)
    assert "no EU VAT number" in problem
    assert rules.vat_of_line(mapping, (None, None), False)[2] == "has no tax rate"
    assert "not in the mapping's vat" in rules.vat_of_line(mapping, ("SE99",), False)[2]


def test_net_amount_by_tax_type():
    assert rules.net_amount("excluded", D("100.00"), D("125.00"), D("25.00")) == D("100.00")
    assert rules.net_amount("included", D("125.00"), D("125.00"), D("25.00")) == D("100.00")
