"""Occupancy runs to `as_of` and, when nothing else moved, writes only from the month of the
last `as_of` on (`marts/horizon.py`); whatever it keeps is what a whole build writes.

On the hand-made floor of test_occupancy (the `floor` fixture: built to 1 July 2026 with a
hot-desk coefficient of 2). In July: OFF-1 (4 desks) and OFF-2 (6) let all month, D-2 of
the three dedicated desks let (D-1's membership ended 15 June), hot-desk members h1, h2, h5
and G: 4 ÷ 2 = 2 of the area's 10 desks.
"""

from datetime import date
from decimal import Decimal

from ornd_visma.marts.occupancy import build_occupancy
from ornd_visma.warehouse.forget import forget_builds
from tests.marts.conftest import LOCATION, insert

D = Decimal
COEFFICIENT = D(2)  # the fixture's
JULY = date(2026, 7, 1)


def _contents(conn) -> dict[str, list[tuple]]:
    return {
        t: conn.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()
        for t in ("occupancy_daily", "occupancy_monthly")
    }


def _as_if_whole(conn, as_of: date) -> dict[str, list[tuple]]:
    """The tables of a whole build to `as_of` on the same inputs (`ornd-visma revalidate`)."""
    forget_builds(conn)
    assert build_occupancy(conn, as_of, coefficient=COEFFICIENT).build.start is None
    return _contents(conn)


def _month(conn, rtype: str, month: date = JULY) -> tuple:
    return conn.execute(
        "SELECT days, desks_occupied_prorated, occupancy_prorated FROM marts.occupancy_monthly "
        "WHERE month = ? AND resource_type = ?",
        [month, rtype],
    ).fetchone()


def _check_in(conn, cid: str, start: str) -> None:
    insert(conn, "checkins", [{"id": cid, "start": start, "location": LOCATION}])


def _checkins(conn, day: date) -> int:
    return conn.execute(
        "SELECT checkins FROM marts.occupancy_daily WHERE date = ? AND resource_type = 'hotdesk'",
        [day],
    ).fetchone()[0]


def test_a_later_as_of_writes_from_the_month_of_the_last(floor):
    summary = build_occupancy(floor, date(2026, 7, 20), coefficient=COEFFICIENT)
    assert (summary.build.rebuilt, summary.build.start) == (True, JULY)
    assert summary.days == 61 + 20  # May and June (the first let day is 1 May), 1–20 July
    # 20 July days: offices 10 × 20 ÷ 20 = 10 desks, all of them
    assert _month(floor, "team_room") == (20, D(10), D(1))
    # desks: D-2 only, 20 desk-days of 3 × 20 = 60
    assert _month(floor, "desk") == (20, D(1), D("0.333333"))
    # hot desks: 4 members ÷ 2 = 2 desks of 10
    assert _month(floor, "hotdesk") == (20, D(2), D("0.2"))
    kept = _contents(floor)
    assert kept == _as_if_whole(floor, date(2026, 7, 20))


def test_the_next_month_keeps_the_one_before(floor):
    build_occupancy(floor, date(2026, 7, 31), coefficient=COEFFICIENT)
    summary = build_occupancy(floor, date(2026, 8, 2), coefficient=COEFFICIENT)
    assert summary.build.start == JULY  # July was the month last built to
    again = build_occupancy(floor, date(2026, 8, 3), coefficient=COEFFICIENT)
    assert again.build.start == date(2026, 8, 1)  # July is final now
    assert _month(floor, "team_room") == (31, D(10), D(1))
    assert _month(floor, "team_room", date(2026, 8, 1)) == (3, D(10), D(1))
    kept = _contents(floor)
    assert kept == _as_if_whole(floor, date(2026, 8, 3))


def test_a_check_in_of_the_running_month_keeps_the_months_before(floor):
    _check_in(floor, "ci-j", "2026-07-05 09:00:00")
    summary = build_occupancy(floor, date(2026, 7, 20), coefficient=COEFFICIENT)
    assert summary.build.start == JULY
    assert (_checkins(floor, date(2026, 7, 5)), _checkins(floor, date(2026, 6, 5))) == (1, 2)
    kept = _contents(floor)
    assert kept == _as_if_whole(floor, date(2026, 7, 20))


def test_a_late_check_in_of_an_earlier_month_rebuilds_whole(floor):
    _check_in(floor, "ci-l", "2026-06-05 12:00:00")
    summary = build_occupancy(floor, date(2026, 7, 20), coefficient=COEFFICIENT)
    assert (summary.build.rebuilt, summary.build.start) == (True, None)
    assert _checkins(floor, date(2026, 6, 5)) == 2 + 1


def test_a_changed_membership_rebuilds_whole(floor):
    # D-2's first membership ends on 30 June: D-2 is still let to the second (from 20 June)
    floor.execute("UPDATE staging.memberships SET end_date = DATE '2026-06-30' WHERE id = 'm4'")
    summary = build_occupancy(floor, date(2026, 7, 20), coefficient=COEFFICIENT)
    assert summary.build.start is None
    assert _month(floor, "desk") == (20, D(1), D("0.333333"))


def test_another_coefficient_rebuilds_whole(floor):
    summary = build_occupancy(floor, date(2026, 7, 20), coefficient=D(4))
    assert summary.build.start is None
    # June's hot desks: membership-days h1 30 + h2 20 = 50, ÷ 4 = 12.5 of 300 desk-days
    assert _month(floor, "hotdesk", date(2026, 6, 1))[2] == D("0.041667")


def test_an_earlier_as_of_rebuilds_whole(floor):
    summary = build_occupancy(floor, date(2026, 6, 20), coefficient=COEFFICIENT)
    assert summary.build.start is None
    [(last,)] = floor.execute("SELECT max(date) FROM marts.occupancy_daily").fetchall()
    assert last == date(2026, 6, 20)
    assert _month(floor, "team_room", date(2026, 6, 1))[0] == 20
    assert _month(floor, "team_room") is None
