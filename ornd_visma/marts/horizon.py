"""Marts that run to a date and rebuild only from the month they were last built to.

Occupancy runs to `as_of`, which moves every calendar day. Its row for a day depends on the
dimensions (resources, memberships, assignments, ...) and on the check-ins of that day, never
on `as_of`: `as_of` only says where the days end, and a month's figures are final once the
month is over. So a build that finds its inputs as they were at its last build, apart from
`as_of` and the dated rows of the last built month on, would write the same rows before that
month: it deletes and writes from the first of that month on (`start`), which on a daily run
is a month of days instead of every day since the first membership.

What "as they were" means is recorded per build in `meta.build_settled`: the first of the
month of the `as_of` last built to (`settled_before`) and the digest of everything its rows
before that day were built from (the code, the settings but `as_of`, every undated input
whole, the dated inputs' rows before that day). Anything else (a changed membership, a late
check-in for an old day, another hot-desk coefficient, new code, a table missing, an `as_of`
in an earlier month than the last) rebuilds the mart whole, as before.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import duckdb

from ornd_visma.warehouse.tables import existing_tables

# The start of a whole build: before any day a mart has.
WHOLE = date(1900, 1, 1)

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.build_settled (
    build VARCHAR PRIMARY KEY,
    settled_before DATE NOT NULL,  -- the first of the month of the as_of last built to
    digest VARCHAR NOT NULL        -- what the build's rows before that day were built from
);
"""

# What the settled part of a build was built from, given the dated inputs' conditions (a
# relation name -> an SQL condition on its row `r`): `inputs.fingerprint` less the horizon.
Digest = Callable[[Mapping[str, str]], str]


@dataclass(frozen=True)
class Horizon:
    """How a mart runs to a date: `variable` is that date (set by the caller), `start` the
    SQL variable the build sets to the first day it writes (`WHOLE`: every day, after its
    tables were dropped), `dated` an input read by day -> the day of its row `r`."""

    variable: str
    start: str
    dated: Mapping[str, str] = field(default_factory=dict)

    def before(self, day: date) -> dict[str, str]:
        """The dated inputs' rows before `day`."""
        return {name: f"({expr}) < DATE '{day.isoformat()}'" for name, expr in self.dated.items()}


@dataclass(frozen=True)
class Plan:
    """A build's first day, and what to record once it has written: its rows before
    `settled_before` were built from `digest`."""

    start: date
    settled_before: date
    digest: str


def plan(
    conn: duckdb.DuckDBPyConnection,
    build: str,
    tables: list[str],
    horizon: Horizon,
    runs_to: date,
    settled_digest: Digest,
) -> Plan:
    """Where the build of `tables` (in `marts`) to `runs_to` starts: the first of the month it
    was last built to when what that month's earlier rows were built from is unchanged, else
    `WHOLE`."""
    conn.execute(META_DDL)
    month = runs_to.replace(day=1)
    recorded = conn.execute(
        "SELECT settled_before, digest FROM meta.build_settled WHERE build = ?", [build]
    ).fetchall()
    present = {f"marts.{t}" for t in tables} <= existing_tables(conn)
    if recorded and present and recorded[0][0] <= month:
        settled_before, digest = recorded[0]
        if settled_digest(horizon.before(settled_before)) == digest:
            now = digest if settled_before == month else settled_digest(horizon.before(month))
            return Plan(settled_before, month, now)
    return Plan(WHOLE, month, settled_digest(horizon.before(month)))


def record(conn: duckdb.DuckDBPyConnection, build: str, planned: Plan) -> None:
    """Inside the build's transaction: its rows before `planned.settled_before` are final
    for the inputs `planned.digest` describes."""
    conn.execute(META_DDL)
    conn.execute(
        "INSERT OR REPLACE INTO meta.build_settled VALUES (?, ?, ?)",
        [build, planned.settled_before, planned.digest],
    )
