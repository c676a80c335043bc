"""MRR, movements and KPIs of hand-made histories, against figures worked out by hand.

The history (one location, as of 20 July 2026):

* A  upgrade      hot desk 2495 from 1 Jan to 14 Feb, then fixed desk 3995 from 15 Feb
* B  downgrade    office 16800 from 10 Jan to 31 Mar, then fixed desk 3995 from 1 Apr
* C  churn+return hot desk 2495 − 250 discount from 5 Jan to 20 Feb; again 2495 from 10 Apr
* D  two of one   fixed desk 3995 from 1 Feb to 30 Jun, parking 1200 from 15 Mar to 31 May
* E  mid-month    quarterly fixed desk (price 3795 a month, billed 3 months) from 16 Mar
* F  same month   hot desk from 3 May to 20 May: never at a month's end
* G  not recurring a day pass in March;  H  not approved
"""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.marts.functions import divide
from ornd_visma.marts.lifetime import build_lifetime
from ornd_visma.marts.mrr import build_mrr
from tests.marts.conftest import LOCATION, OTHER_LOCATION, insert, membership

AS_OF = date(2026, 7, 20)
D = Decimal


def _history(conn) -> None:
    insert(
        conn,
        "memberships",
        [
            membership("A", "plan-hotdesk", "2026-01-01", "2026-02-14"),
            membership("A", "plan-fixdesk", "2026-02-15"),
            membership("B", "plan-office", "2026-01-10", "2026-03-31"),
            membership("B", "plan-fixdesk", "2026-04-01"),
            membership(
                "C", "plan-hotdesk", "2026-01-05", "2026-02-20", discount="250", personal=True
            ),
            membership("C", "plan-hotdesk", "2026-04-10", personal=True),
            membership("D", "plan-fixdesk", "2026-02-01", "2026-06-30"),
            membership("D", "plan-parking", "2026-03-15", "2026-05-31"),
            membership("E", "plan-fixdesk-q", "2026-03-16", personal=True),
            membership("F", "plan-hotdesk", "2026-05-03", "2026-05-20", personal=True),
            membership("G", "plan-daypass", "2026-03-02", "2026-03-02", personal=True),
            membership("H", "plan-office", "2026-03-01", status="not_approved"),
        ],
    )


@pytest.fixture
def built(warehouse):
    _history(warehouse)
    build_mrr(warehouse, AS_OF)
    return warehouse


def _mrr(conn) -> dict[tuple[date, str], Decimal]:
    rows = conn.execute("SELECT month, customer, mrr FROM marts.mrr_monthly").fetchall()
    return {(m, c): v for m, c, v in rows}


def _movements(conn) -> set[tuple[date, str, str, Decimal]]:
    rows = conn.execute("SELECT month, customer, movement, amount FROM marts.mrr_movements")
    return set(rows.fetchall())


def _kpis(conn, month: date, location: str | None = None) -> dict:
    scope = "location" if location else "total"
    cursor = conn.execute(
        "SELECT * FROM marts.kpis_monthly WHERE scope = ? AND location IS NOT DISTINCT FROM ? "
        "AND month = ?",
        [scope, location, month],
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def test_mrr_per_customer_and_month(built):
    m = date
    assert _mrr(built) == {
        # January: A's hot desk, B's office from the 10th (in full), C's hot desk net of 250
        (m(2026, 1, 1), "A"): D("2495.00"),
        (m(2026, 1, 1), "B"): D("16800.00"),
        (m(2026, 1, 1), "C"): D("2245.00"),  # 2495 − 250
        # February: A upgraded, C ended on the 20th, D's first desk
        (m(2026, 2, 1), "A"): D("3995.00"),
        (m(2026, 2, 1), "B"): D("16800.00"),
        (m(2026, 2, 1), "D"): D("3995.00"),
        # March: D adds parking; E starts on the 16th, its monthly price not divided by 3
        (m(2026, 3, 1), "A"): D("3995.00"),
        (m(2026, 3, 1), "B"): D("16800.00"),  # the office's last day, 31 March, counts
        (m(2026, 3, 1), "D"): D("5195.00"),  # 3995 + 1200
        (m(2026, 3, 1), "E"): D("3795.00"),
        # April: B downgraded, C is back
        (m(2026, 4, 1), "A"): D("3995.00"),
        (m(2026, 4, 1), "B"): D("3995.00"),
        (m(2026, 4, 1), "C"): D("2495.00"),
        (m(2026, 4, 1), "D"): D("5195.00"),
        (m(2026, 4, 1), "E"): D("3795.00"),
        # May: the same (F came and went within the month)
        (m(2026, 5, 1), "A"): D("3995.00"),
        (m(2026, 5, 1), "B"): D("3995.00"),
        (m(2026, 5, 1), "C"): D("2495.00"),
        (m(2026, 5, 1), "D"): D("5195.00"),  # parking's last day, 31 May, counts
        (m(2026, 5, 1), "E"): D("3795.00"),
        # June: D's parking gone
        (m(2026, 6, 1), "A"): D("3995.00"),
        (m(2026, 6, 1), "B"): D("3995.00"),
        (m(2026, 6, 1), "C"): D("2495.00"),
        (m(2026, 6, 1), "D"): D("3995.00"),
        (m(2026, 6, 1), "E"): D("3795.00"),
        # July, as of the 20th: D's desk ended 30 June
        (m(2026, 7, 1), "A"): D("3995.00"),
        (m(2026, 7, 1), "B"): D("3995.00"),
        (m(2026, 7, 1), "C"): D("2495.00"),
        (m(2026, 7, 1), "E"): D("3795.00"),
    }


def test_movements_upgrade_downgrade_churn_return_two_memberships(built):
    m = date
    assert _movements(built) == {
        (m(2026, 1, 1), "A", "new", D("2495.00")),
        (m(2026, 1, 1), "B", "new", D("16800.00")),
        (m(2026, 1, 1), "C", "new", D("2245.00")),
        (m(2026, 2, 1), "A", "expansion", D("1500.00")),  # 3995 − 2495
        (m(2026, 2, 1), "C", "churn", D("-2245.00")),
        (m(2026, 2, 1), "D", "new", D("3995.00")),
        (m(2026, 3, 1), "D", "expansion", D("1200.00")),  # the second membership
        (m(2026, 3, 1), "E", "new", D("3795.00")),
        (m(2026, 4, 1), "B", "contraction", D("-12805.00")),  # 3995 − 16800
        (m(2026, 4, 1), "C", "reactivation", D("2495.00")),
        (m(2026, 6, 1), "D", "contraction", D("-1200.00")),  # one of two ended: not churn
        (m(2026, 7, 1), "D", "churn", D("-3995.00")),  # the last one ended
    }


def test_movements_add_up_to_the_change_in_mrr(built):
    rows = built.execute(
        """
        SELECT month, mrr, mrr_at_start,
               new_mrr + expansion_mrr + contraction_mrr + churned_mrr + reactivation_mrr
        FROM marts.kpis_monthly
        """
    ).fetchall()
    assert len(rows) == 7 * 2  # Jan..Jul, for the location and in total
    for month, mrr, start, moved in rows:
        assert mrr - start == moved, month


def test_kpis_of_february(built):
    k = _kpis(built, date(2026, 2, 1))
    start = D("2495") + D("16800") + D("2245")  # January's MRR: 21540
    assert k["mrr_at_start"] == start == D("21540.00")
    assert k["mrr"] == D("3995") + D("16800") + D("3995") == D("24790.00")
    assert (k["customers_at_start"], k["customers"]) == (3, 3)
    assert (k["new_customers"], k["churned_customers"], k["reactivated_customers"]) == (1, 1, 0)
    assert k["customer_churn_rate"] == D("0.333333")  # 1 of 3
    assert k["gross_mrr_churn_rate"] == D("0.104225")  # 2245 / 21540 = 0.1042246...
    assert k["net_mrr_churn_rate"] == D("0.034587")  # (2245 − 1500) / 21540 = 0.0345868...
    assert k["nrr"] == D("0.965413")  # (21540 + 1500 − 2245) / 21540 = 0.9654131...
    assert k["arpa"] == D("8263.33")  # 24790 / 3 = 8263.333...
    assert k["ltv"] is None  # no month before February has a churn rate (January started at 0)


def test_kpis_of_april_and_ltv_of_july(built):
    april = _kpis(built, date(2026, 4, 1))
    # start 29785 = 3995 + 16800 + 5195 + 3795; contraction −12805, reactivation +2495
    assert april["mrr_at_start"] == D("29785.00")
    assert april["mrr"] == D("19475.00")  # 29785 − 12805 + 2495
    assert april["gross_mrr_churn_rate"] == D("0.429914")  # 12805 / 29785 = 0.4299143...
    assert april["net_mrr_churn_rate"] == D("0.346147")  # (12805 − 2495) / 29785 = 0.3461473...
    assert april["nrr"] == D("0.570086")  # (29785 − 12805) / 29785 = 0.5700856...
    assert april["customer_churn_rate"] == D("0.000000")
    july = _kpis(built, date(2026, 7, 1))
    assert july["customers"] == 4 and july["mrr"] == D("14280.00")  # 3995+3995+2495+3795
    assert july["arpa"] == D("3570.00")  # 14280 / 4
    # churn rates of Jan..Jun: Jan undefined (no customers at its start), Feb 1/3, Mar..Jun 0
    # → trailing average (1/3) / 5 = 1/15; LTV = 3570 × 15 = 53550
    assert july["trailing_customer_churn_rate"] == D("0.066667")
    assert july["ltv"] == D("53550.00")
    assert july["customer_churn_rate"] == D("0.200000")  # D: 1 of the 5 at the start


def test_the_same_month_signup_and_non_recurring_memberships_are_not_mrr(built):
    customers = {c for (_, c) in _mrr(built)}
    assert customers == {"A", "B", "C", "D", "E"}  # not F, G or H


def test_a_move_between_locations_is_churn_and_new_there_but_nothing_in_total(warehouse):
    insert(
        warehouse,
        "memberships",
        [
            membership("K", "plan-office", "2026-01-01", "2026-02-28", price="8400"),
            membership("K", "plan-office", "2026-03-01", price="8400", location=OTHER_LOCATION),
        ],
    )
    build_mrr(warehouse, date(2026, 3, 31))
    assert _movements(warehouse) == {
        (date(2026, 1, 1), "K", "new", D("8400.00")),
        (date(2026, 3, 1), "K", "churn", D("-8400.00")),
        (date(2026, 3, 1), "K", "new", D("8400.00")),
    }
    assert _kpis(warehouse, date(2026, 3, 1), LOCATION)["churned_customers"] == 1
    assert _kpis(warehouse, date(2026, 3, 1), OTHER_LOCATION)["new_customers"] == 1
    total = _kpis(warehouse, date(2026, 3, 1))
    assert (total["churned_customers"], total["new_customers"], total["nrr"]) == (
        0,
        0,
        D("1.000000"),
    )


def test_prices_including_vat_are_taken_net(warehouse):
    insert(warehouse, "tax-rates", [{"id": "tax-25", "name": "25 %", "rate": D("25")}])
    insert(
        warehouse,
        "revenue-accounts",
        [{"id": "ra-desk", "name": "Desks", "tax_rate": "tax-25"}],
    )
    warehouse.execute("UPDATE staging.plans SET revenue_account = 'ra-desk'")
    insert(warehouse, "memberships", [membership("A", "plan-fixdesk", "2026-01-01")])
    build_mrr(warehouse, date(2026, 1, 31), prices_include_vat=True)
    assert _mrr(warehouse) == {(date(2026, 1, 1), "A"): D("3196.00")}  # 3995 × 100 / 125


def test_divide_rounds_half_up_and_refuses_floats():
    assert divide(D("2495.01"), 2, 2) == D("1247.51")  # 1247.505 → up
    assert divide(1, 3, 6) == D("0.333333")
    assert divide(1, 0, 2) is None and divide(None, 1, 2) is None
    with pytest.raises(TypeError):
        divide(1.5, 1, 2)


def test_member_lifetime_value(built):
    built.execute("CREATE SCHEMA core")
    built.execute("CREATE TABLE core.documents (document_id VARCHAR, customer_id VARCHAR)")
    built.execute(
        "CREATE TABLE core.revenue_schedule (document_id VARCHAR, line_no INTEGER, "
        "service_date DATE, amount DECIMAL(18, 2))"
    )
    built.execute("INSERT INTO core.documents VALUES ('inv-a', 'A'), ('cn-a', 'A')")
    built.execute(
        "INSERT INTO core.revenue_schedule VALUES ('inv-a', 1, '2026-07-10', 100.00), "
        "('inv-a', 1, '2026-07-25', 50.00), ('cn-a', 1, '2026-03-01', -20.00)"
    )
    summary = build_lifetime(built, AS_OF)
    assert (summary.customers, summary.active, summary.books_present) == (5, 4, True)
    cursor = built.execute("SELECT * FROM marts.customer_lifetime ORDER BY customer")
    names = [d[0] for d in cursor.description]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    a = rows["A"]
    # revenue to 20 July: 100 − 20 (the 25 July day is after as-of); churn of Feb..Jun
    # (January undefined) = (1/3 + 0 + 0 + 0 + 0) / 5 = 1/15 → 15 months to go
    assert a["revenue_to_date"] == D("80.00")
    assert a["expected_remaining_months"] == D("15")
    assert a["expected_lifetime_value"] == D("80.00") + D("3995") * 15 == D("60005.00")
    c = rows["C"]
    assert (c["months_with_mrr"], c["active"], c["current_mrr"]) == (5, True, D("2495.00"))
    assert c["mrr_to_date"] == D("2245") + 4 * D("2495") == D("12225.00")  # Jan, Apr..Jul
    d = rows["D"]  # gone in July
    assert (d["active"], d["current_mrr"], d["expected_remaining_months"]) == (
        False,
        D("0.00"),
        None,
    )
    assert d["mrr_to_date"] == D("3995") + 3 * D("5195") + D("3995") == D("23575.00")
    assert d["expected_lifetime_value"] == D("0.00")  # no revenue of D in the books here
