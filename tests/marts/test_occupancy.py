"""Occupancy of a hand-made floor in June 2026 (30 days), against figures worked out by hand.

The floor (the `floor` fixture in conftest), Plan 1 of Stockholm:
* OFF-1 private office, 4 desks, always available; let from 1 May (open-ended)
* OFF-2 private office, 6 desks, available from 10 June; let from 16 June
* D-1, D-2, D-3 dedicated desks; D-1 let 1–15 June (the membership ends on the 15th, the
  assignment is left open), D-2 let all month and a second membership on it from 20 June
* HD hot-desk area, 10 desks; hot-desk memberships: h1 all month, h2 from 11 June, h3 not
  approved, plus a day pass; two check-ins on 5 June; from 1 July two memberships assigned to
  the area itself (h5 on a hot-desk plan, G on a fixed-desk plan)
* a meeting room and a parking spot (let): not primary, not counted
"""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.config import hotdesk_coefficient_setting
from ornd_visma.marts.occupancy import hotdesk_coefficient
from tests.marts.conftest import FLOOR

D = Decimal


def _row(conn, table, when, rtype):
    key = "date" if table == "occupancy_daily" else "month"
    cursor = conn.execute(
        f"SELECT * FROM marts.{table} WHERE {key} = ? AND resource_type = ?", [when, rtype]
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def test_only_primary_types_on_the_floor(floor):
    types = floor.execute("SELECT DISTINCT resource_type FROM marts.occupancy_daily").fetchall()
    assert {t for (t,) in types} == {"team_room", "desk", "hotdesk"}
    floors = floor.execute("SELECT DISTINCT floor, floor_name FROM marts.occupancy_daily")
    assert floors.fetchall() == [(FLOOR, "Plan 1")]


def test_daily_desks_occupied_and_available(floor):
    first = _row(floor, "occupancy_daily", date(2026, 6, 1), "team_room")
    assert (first["desks_available"], first["desks_occupied"]) == (4, D(4))  # OFF-2 not open
    opened = _row(floor, "occupancy_daily", date(2026, 6, 10), "team_room")
    assert (opened["desks_available"], opened["desks_occupied"]) == (10, D(4))
    assert opened["occupancy"] == D("0.400000")
    let = _row(floor, "occupancy_daily", date(2026, 6, 16), "team_room")
    assert (let["resources_occupied"], let["desks_occupied"]) == (2, D(10))
    # D-1 is free once its membership ended, though the assignment was left open
    assert _row(floor, "occupancy_daily", date(2026, 6, 15), "desk")["desks_occupied"] == 2
    assert _row(floor, "occupancy_daily", date(2026, 6, 16), "desk")["desks_occupied"] == 1
    # D-2 held by two memberships from the 20th is one desk
    late = _row(floor, "occupancy_daily", date(2026, 6, 25), "desk")
    assert (late["resources_occupied"], late["desks_occupied"]) == (1, D(1))
    hot = _row(floor, "occupancy_daily", date(2026, 6, 5), "hotdesk")
    # h1 only (h2 from the 11th, h3 not approved, h4 a day pass), ÷ coefficient 2
    assert (hot["hotdesk_memberships"], hot["desks_occupied"]) == (1, D("0.5"))
    assert (hot["desks_available"], hot["checkins"], hot["occupancy"]) == (10, 2, D("0.05"))


def test_monthly_prorated_and_start_of_month(floor):
    offices = _row(floor, "occupancy_monthly", date(2026, 6, 1), "team_room")
    # available desk-days: OFF-1 4 × 30 + OFF-2 6 × 21 (10–30 June) = 120 + 126 = 246
    # occupied desk-days:  OFF-1 4 × 30 + OFF-2 6 × 15 (16–30 June) = 120 + 90 = 210
    assert offices["days"] == 30
    assert offices["desks_available_prorated"] == D("8.2")  # 246 / 30
    assert offices["desks_occupied_prorated"] == D("7")  # 210 / 30
    assert offices["occupancy_prorated"] == D("0.853659")  # 210 / 246 = 0.8536585...
    assert (
        offices["desks_occupied_start_of_month"],
        offices["desks_available_start_of_month"],
    ) == (
        D(4),
        4,
    )
    assert offices["occupancy_start_of_month"] == D("1")
    desks = _row(floor, "occupancy_monthly", date(2026, 6, 1), "desk")
    # occupied: D-1 15 days + D-2 30 days = 45 of 3 × 30 = 90 desk-days
    assert desks["occupancy_prorated"] == D("0.5")
    assert desks["desks_occupied_prorated"] == D("1.5")
    assert desks["occupancy_start_of_month"] == D("0.666667")  # D-1 and D-2 of 3 on the 1st
    hot = _row(floor, "occupancy_monthly", date(2026, 6, 1), "hotdesk")
    # membership-days h1 30 + h2 20 (11–30 June) = 50, ÷ 2 = 25 of 10 × 30 = 300 desk-days
    assert hot["occupancy_prorated"] == D("0.083333")
    assert hot["occupancy_start_of_month"] == D("0.05")  # h1 ÷ 2 of 10
    july = _row(floor, "occupancy_monthly", date(2026, 7, 1), "team_room")
    assert (july["days"], july["occupancy_prorated"]) == (1, D("1"))  # as of 1 July


def test_members_assigned_to_the_hot_desk_area_count_as_hot_desk_members(floor):
    july = _row(floor, "occupancy_daily", date(2026, 7, 1), "hotdesk")
    # h1 and h2 (unassigned hot-desk plans) + h5 and G (assigned to HD) = 4 members, ÷ 2 = 2
    assert (july["hotdesk_memberships"], july["desks_occupied"]) == (4, D(2))
    assert july["occupancy"] == D("0.2")  # 2 of HD's 10 desks
    # G's fixed-desk plan does not make HD a let desk: the desks stay as in June (D-2 only)
    assert _row(floor, "occupancy_daily", date(2026, 7, 1), "desk")["desks_occupied"] == 1


def test_the_coefficient_setting():
    assert hotdesk_coefficient(None) == 1 and hotdesk_coefficient(" ") == 1
    assert hotdesk_coefficient("1.5") == D("1.5")
    env = {"ORND_VISMA_HOTDESK_COEFFICIENT": "2.5"}
    assert hotdesk_coefficient(hotdesk_coefficient_setting(env)) == D("2.5")
    assert hotdesk_coefficient(hotdesk_coefficient_setting({})) == 1
    for bad in ("0", "-1", "many", "inf"):
        with pytest.raises(ValueError, match="coefficient"):
            hotdesk_coefficient(bad)
