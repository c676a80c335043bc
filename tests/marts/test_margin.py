"""Margin of the hand-made floor's location (revenue of test_revenue: 19235.00 in June 2026)
against costs on hand-made Visma vouchers, worked out by hand."""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.marts.margin import (
    build_margin,
    cost_center_short_names,
    costs_by_cost_center,
)

D = Decimal
COST_CENTERS = [
    {
        "Number": 1,
        "Items": [{"Id": "ID-STH", "ShortName": "STH"}, {"Id": "id-gbg", "ShortName": "GBG"}],
    },
    {"Number": 2, "Items": [{"Id": "ID-F1", "ShortName": "F1"}]},
]
VOUCHERS = [
    {
        "Id": "v1",
        "VoucherDate": "2026-06-30T00:00:00",
        "Rows": [
            {"AccountNumber": 5010, "DebitAmount": 9000, "CostCenterItemId1": "id-sth"},  # rent
            {"AccountNumber": 1930, "CreditAmount": 9000},
        ],
    },
    {
        "Id": "v2",
        "VoucherDate": "2026-06-15",
        "Rows": [
            {"AccountNumber": 6110, "DebitAmount": 500.5, "CostCenterItemId1": "ID-STH"},
            {"AccountNumber": 5010, "CreditAmount": 100, "CostCenterItemId1": "ID-STH"},
            {"AccountNumber": 3010, "CreditAmount": 1000, "CostCenterItemId1": "ID-STH"},
            {"AccountNumber": 5460, "DebitAmount": 77, "CostCenterItemId2": "ID-F1"},  # no dim 1
        ],
    },
    {
        "Id": "v3",
        "VoucherDate": "2026-05-31",
        "Rows": [{"AccountNumber": 5010, "DebitAmount": 9000, "CostCenterItemId1": "ID-GBG"}],
    },
]


def _costs():
    return costs_by_cost_center(VOUCHERS, cost_center_short_names(COST_CENTERS))


def test_costs_per_cost_center_and_month():
    rows = {(c.month, c.cost_center_item): (c.amount, c.rows) for c in _costs()}
    assert rows == {
        # rent 9000 + 500.50 − a 100 correction; the revenue row (3010) is not a cost
        (date(2026, 6, 1), "STH"): (D("9400.5"), 3),
        (date(2026, 5, 1), "GBG"): (D("9000"), 1),
    }


def test_a_cost_center_item_outside_dimension_1_is_an_error():
    voucher = {"Id": "v9", "VoucherDate": "2026-06-01", "Rows": [
        {"AccountNumber": 5010, "DebitAmount": 1, "CostCenterItemId1": "ID-F1"},
    ]}  # fmt: skip
    with pytest.raises(ValueError, match="voucher v9: cost center item ID-F1"):
        costs_by_cost_center([voucher], cost_center_short_names(COST_CENTERS))


def _month(conn, month):
    cursor = conn.execute("SELECT * FROM marts.margin_monthly WHERE month = ?", [month])
    names = [d[0] for d in cursor.description]
    [row] = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def test_margin_where_visma_holds_costs(revenue):
    summary = build_margin(revenue, {"STH": "STH", "GBG": "GBG"}, _costs())
    assert summary.available == 1  # June, the one month the books cover
    june = _month(revenue, date(2026, 6, 1))
    assert (june["costs_available"], june["not_available_reason"]) == (True, None)
    assert june["costs"] == D("9400.50")
    assert june["margin"] == D("19235.00") - D("9400.50") == D("9834.50")
    assert june["margin_rate"] == D("0.511282")  # 9834.50 / 19235 = 0.5112815
    assert june["margin_per_occupied_desk"] == D("1053.70")  # 9834.50 / 9.333333 = 1053.6965
    assert june["cost_per_available_desk"] == D("443.42")  # 9400.50 / 21.2 = 443.4198
    # 9400.50 / (2007.32 per occupied desk × 21.2 available) = 0.2209014
    assert june["break_even_occupancy"] == D("0.220901")
    # with only GBG's May costs in Visma, Stockholm's June has none
    build_margin(revenue, {"STH": "STH"}, [c for c in _costs() if c.cost_center_item == "GBG"])
    june = _month(revenue, date(2026, 6, 1))
    assert june["costs_available"] is False
    assert june["not_available_reason"] == "no costs booked in Visma on cost center STH in 2026-06"
    assert june["margin"] is None and june["costs"] is None and june["margin_rate"] is None


def test_margin_not_available_without_a_cost_center_or_without_visma(revenue):
    build_margin(revenue, {}, _costs())
    june = _month(revenue, date(2026, 6, 1))
    assert june["not_available_reason"] == "location STH has no cost_center_item in the mapping"
    assert june["margin"] is None
    build_margin(revenue, {"STH": "STH"}, None, unavailable_reason="no Visma resource")
    june = _month(revenue, date(2026, 6, 1))
    assert (june["costs_available"], june["not_available_reason"]) == (False, "no Visma resource")
    assert june["revenue"] == D("19235.00")  # the revenue side is still there
