"""Desk occupancy per location, floor and resource type: per day, and per month by
OfficeRnD's two conventions.

Conventions (OfficeRnD's "How we calculate occupancy"; where it is silent, the choice made):

* **What counts.** Resources of the *primary* resource types (`isPrimary` on the resource
  type; when a type carries no flag, OfficeRnD's defaults: private offices `team_room`,
  dedicated desks `desk`, hot desks `hotdesk`). A resource is available on the days of its
  `availability` (open-ended when missing) and offers `desksCount` desks.
* **Occupied desks.** An assignable resource is occupied on a day when an assignment covers
  the day and the assigned membership is live that day (approved, between its start and end
  date); it then counts with all its desks (a 4-desk office let to a team of two is 4
  occupied desks, as OfficeRnD counts). Two memberships on one resource count it once.
* **Hot desks.** Occupied hot desks = live hot-desk members ÷ the hot-desk coefficient (how
  many hot-desk members share a desk; `ORND_VISMA_HOTDESK_COEFFICIENT`, default 1). A
  hot-desk member is a live membership assigned to a hot-desk area (whatever its plan; on the
  area's floor, for the days of the assignment), or a recurring membership of a `hotdesk` plan
  without any assignment (on the floor of the location's hot-desk resources when those are on
  one floor, else on no floor, `floor` NULL). A member counts once per floor and day. Day
  passes and check-ins are usage, not occupancy: the day's hot-desk check-ins are shown
  beside it (`checkins`).
* **Monthly, prorated:** the month's desk-days occupied ÷ desk-days available, so a
  membership starting on the 16th of a 30-day month counts 15/30 of its desks, and an office
  opening on the 10th is 21/30 available; `desks_*_prorated` are the month's daily averages.
  **Start of month:** what is occupied and available on the 1st only. The running month
  counts the days up to `as_of`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import duckdb

from ornd_visma.marts.build import Build, rebuild
from ornd_visma.marts.functions import registered
from ornd_visma.marts.horizon import Horizon

DEFAULT_HOTDESK_COEFFICIENT = Decimal(1)
CONVENTIONS = """Conventions: primary resource types; an assigned resource counts with all its desks
while its membership is live; hot desks = live hot-desk members (assigned to a hot-desk area, or
on a hot-desk plan without an assignment) ÷ the hot-desk coefficient
(ORND_VISMA_HOTDESK_COEFFICIENT, default 1). Monthly prorated = desk-days occupied ÷
available; start of month = the 1st only."""
DEFAULT_PRIMARY_TYPES = ("team_room", "desk", "hotdesk")
# A day's figures depend on the dimensions and that day's check-ins, not on as_of: a daily
# run writes from the month of the last as_of on (horizon.py).
HORIZON = Horizon(
    variable="marts_as_of",
    start="marts_occupancy_from",
    dated={"staging.checkins": 'r."start"::DATE'},
)


def hotdesk_coefficient(value: str | Decimal | int | None) -> Decimal:
    """The hot-desk coefficient from a setting: a positive number, default 1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_HOTDESK_COEFFICIENT
    if isinstance(value, float):
        raise TypeError(f"the hot-desk coefficient must be given exactly, not as {value!r}")
    try:
        coefficient = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"hot-desk coefficient {value!r} is not a number") from None
    if not coefficient.is_finite() or coefficient <= 0:
        raise ValueError(f"hot-desk coefficient {value!r} must be a positive number")
    return coefficient


@dataclass(frozen=True)
class OccupancySummary:
    days: int
    groups: int  # location × floor × resource type
    latest_occupancy: Decimal | None  # all primary desks on the last day
    build: Build


def build_occupancy(
    conn: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    coefficient: Decimal = DEFAULT_HOTDESK_COEFFICIENT,
    primary_types: tuple[str, ...] = DEFAULT_PRIMARY_TYPES,
) -> OccupancySummary:
    """Rebuild `marts.occupancy_daily` and `marts.occupancy_monthly` through `as_of`, in one
    transaction: from the month of the last `as_of` when nothing else changed."""
    coefficient = hotdesk_coefficient(coefficient)
    built = rebuild(
        conn,
        "occupancy.sql",
        ["occupancy_daily", "occupancy_monthly"],
        variables={
            "marts_as_of": (as_of, "DATE"),
            "marts_hotdesk_coefficient": (coefficient, "DECIMAL(18, 6)"),
            "marts_default_primary": (list(primary_types), "VARCHAR[]"),
        },
        horizon=HORIZON,
    )
    with registered(conn):  # the summary divides exactly too
        days, groups = conn.execute(
            "SELECT count(DISTINCT date), count(DISTINCT (location, floor, resource_type)) "
            "FROM marts.occupancy_daily"
        ).fetchall()[0]
        ((latest,),) = conn.execute(
            "SELECT ratio_div(sum(desks_occupied), sum(desks_available)) "
            "FROM marts.occupancy_daily WHERE date = (SELECT max(date) FROM marts.occupancy_daily)"
        ).fetchall()
    return OccupancySummary(days, groups, latest, built)
