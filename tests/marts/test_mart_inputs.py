"""A mart is rebuilt when something it reads changed, and only then (`marts/inputs.py`); on
the hand-made June floor of test_revenue (16800 + 2495 + 500 − 560 = 19235.00)."""

from datetime import date
from decimal import Decimal

from ornd_visma.marts.margin import build_margin
from ornd_visma.marts.occupancy import build_occupancy
from ornd_visma.marts.revenue import build_revenue

D = Decimal
AS_OF = date(2026, 7, 1)  # the floor fixture's


def _total(conn) -> Decimal:
    ((total,),) = conn.execute("SELECT sum(amount) FROM marts.revenue_daily").fetchall()
    return total


def test_nothing_changed_nothing_rebuilt(revenue):
    first = build_revenue(revenue)
    again = build_revenue(revenue)
    assert again.build.rebuilt is False
    assert again.build.fingerprint == first.build.fingerprint
    assert again.revenue == D("19235.00")  # read from the tables as they are


def test_a_changed_input_row_rebuilds(revenue):
    build_revenue(revenue)
    # one day of doc-1's office: 560.00 → 600.00, so the total is 19235 + 40 = 19275.00
    revenue.execute(
        "UPDATE core.revenue_schedule SET amount = 600.00 "
        "WHERE document_id = 'doc-1' AND service_date = DATE '2026-06-01'"
    )
    summary = build_revenue(revenue)
    assert summary.build.rebuilt is True
    assert summary.revenue == _total(revenue) == D("19275.00")


def test_an_input_of_another_mart_rebuilds(revenue):
    """revenue_monthly reads marts.occupancy_monthly: a new coefficient changes that."""
    build_revenue(revenue)
    assert build_occupancy(revenue, AS_OF, coefficient=D(2)).build.rebuilt is False
    assert build_occupancy(revenue, AS_OF, coefficient=D(5)).build.rebuilt is True
    assert build_revenue(revenue).build.rebuilt is True


def test_a_dropped_table_rebuilds(revenue):
    build_revenue(revenue)
    revenue.execute("DROP TABLE marts.revenue_monthly")
    assert build_revenue(revenue).build.rebuilt is True
    [(rows,)] = revenue.execute("SELECT count(*) FROM marts.revenue_monthly").fetchall()
    assert rows > 0


def test_a_changed_temp_input_rebuilds(revenue):
    """The margin reads Visma's costs from a temp table its builder fills."""
    first = build_margin(revenue, {"STH": "STH"}, None, unavailable_reason="no Visma resource")
    same = build_margin(revenue, {"STH": "STH"}, None, unavailable_reason="no Visma resource")
    assert (first.build.rebuilt, same.build.rebuilt) == (True, False)
    other = build_margin(revenue, {"STH": "STH"}, None, unavailable_reason="Visma down")
    assert other.build.rebuilt is True
    [(reason,)] = revenue.execute(
        "SELECT DISTINCT not_available_reason FROM marts.margin_monthly"
    ).fetchall()
    assert reason == "Visma down"
