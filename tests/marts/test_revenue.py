"""Revenue by day and month from hand-made `core.revenue_schedule` rows on the hand-made
floor (area 200 m²; see conftest), against figures worked out by hand.

June 2026 schedule:
* doc-1 private office 16800 over 30 days: 560.00 a day, floor given by id
* doc-2 hot-desk membership 2495: 29 days × 83.17 + 83.07 on the 30th, floor given by name
* doc-3 a booking fee of 500 on 5 June, no floor
* doc-4 a credit note of −560.00 for the office's 30 June
"""

from datetime import date
from decimal import Decimal

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.marts.comments import TABLES
from ornd_visma.marts.lifetime import build_lifetime
from ornd_visma.marts.margin import build_margin
from ornd_visma.marts.mrr import build_mrr
from ornd_visma.marts.report import ensure_log
from ornd_visma.marts.revenue import build_revenue
from ornd_visma.marts.vat_return import build_vat_return
from tests.marts.conftest import FLOOR

D = Decimal


def test_revenue_daily_by_floor_and_class(revenue):
    rows = revenue.execute(
        "SELECT floor, floor_name, revenue_class, amount, lines FROM marts.revenue_daily "
        "WHERE date = '2026-06-05' ORDER BY revenue_class"
    ).fetchall()
    assert rows == [
        (None, None, "booking_fee", D("500.00"), 1),
        (FLOOR, "Plan 1", "membership", D("83.17"), 1),  # "Plan 1" matched by name
        (FLOOR, "Plan 1", "private_office", D("560.00"), 1),
    ]
    last = revenue.execute(
        "SELECT amount, lines FROM marts.revenue_daily "
        "WHERE date = '2026-06-30' AND revenue_class = 'private_office'"
    ).fetchall()
    assert last == [(D("0.00"), 2)]  # 560 − 560: the credit note


def _month(conn, level, floor):
    cursor = conn.execute(
        "SELECT * FROM marts.revenue_monthly WHERE month = '2026-06-01' AND level = ? "
        "AND floor IS NOT DISTINCT FROM ?",
        [level, floor],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def test_monthly_revenue_per_m2_and_per_desk(revenue):
    # June only: May and July have desks but the schedule does not cover them
    months = revenue.execute("SELECT DISTINCT month FROM marts.revenue_monthly").fetchall()
    assert months == [(date(2026, 6, 1),)]
    floor = _month(revenue, "floor", FLOOR)
    assert floor["revenue"] == floor["desk_revenue"] == D("18735.00")  # 16800 + 2495 − 560
    assert floor["usable_area_m2"] == D(200)
    assert floor["revenue_per_m2"] == D("93.68")  # 18735 / 200 = 93.675, half up
    # prorated desks (test_occupancy): offices 7 + desks 1.5 + hot desks 25/30 = 0.833333
    occupied = D("7") + D("1.5") + D("0.833333")
    available = D("8.2") + D("3") + D("10")  # 246/30 + 90/30 + 300/30
    assert floor["desks_occupied_prorated"] == occupied == D("9.333333")
    assert floor["desks_available_prorated"] == available == D("21.2")
    assert floor["revenue_per_occupied_desk"] == D("2007.32")  # 18735 / 9.333333 = 2007.3215
    assert floor["revenue_per_available_desk"] == D("883.73")  # 18735 / 21.2 = 883.726
    no_floor = _month(revenue, "floor", None)
    assert (no_floor["revenue"], no_floor["desk_revenue"]) == (D("500.00"), D("0.00"))
    assert no_floor["revenue_per_m2"] is None  # no area without a floor
    location = _month(revenue, "location", None)
    assert location["revenue"] == D("19235.00") and location["desk_revenue"] == D("18735.00")
    assert location["revenue_per_m2"] == D("96.18")  # 19235 / 200 = 96.175, half up
    assert location["revenue_per_occupied_desk"] == D("2007.32")


def test_without_the_books_the_tables_are_empty_and_say_so(floor):
    summary = build_revenue(floor)
    assert (summary.schedule_present, summary.days, summary.revenue) == (False, 0, 0)
    ((count,),) = floor.execute("SELECT count(*) FROM marts.revenue_daily").fetchall()
    assert count == 0
    # no month is covered by the books, so none claims a revenue of 0 per m² or per desk
    ((months,),) = floor.execute("SELECT count(*) FROM marts.revenue_monthly").fetchall()
    assert months == 0


def test_every_mart_table_and_column_is_commented(revenue):
    build_mrr(revenue, date(2026, 7, 1))
    build_lifetime(revenue, date(2026, 7, 1))
    build_margin(revenue, {}, None)
    build_vat_return(revenue, load_mapping(SANDBOX_MAPPING))
    ensure_log(revenue)
    tables = revenue.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts'"
    ).fetchall()
    assert {t for t, _ in tables} == set(TABLES)
    assert all(comment for _, comment in tables)
    uncommented = revenue.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE schema_name = 'marts' AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert uncommented == []
