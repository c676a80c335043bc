"""`core.revenue_schedule` (per business-date window), `core.revenue_deferrals` and
`core.revenue_accruals` (whole).

Revenue is recognised in the period of service (C8): a `period` line is spread by day over its
service period (`rules.spread_by_day`, done in SQL in whole öre), so a quarterly plan lands a
third-ish in each month by its days, and a month invoiced ahead lands in that month; a `point`
line (booking fees, one-off charges, usage) lands on its day of use. Credit notes carry their
negative amounts onto the days they credit.

The deferrals are the vouchers' amounts: invoiced in month M for service in a later month is
`deferred` in M (debit the revenue account, credit deferred revenue on M's last day), and
`released` in the month of service (the reverse, on its first day).

The accruals are their mirror for revenue served before it was invoiced (one-off fees,
printing, booking fees billed in arrears on a later bill run; the schedule has them on their
days of use, before the invoice's month): `accrued` in the month of service (debit accrued
income, `accounts.accrued_income`, credit the revenue account on its last day) and `reversed`
in the invoice's month (the other way, on its first day), where the ledger item books the
revenue. A schedule row is served after its invoice's month (deferred), before it (accrued)
or in it (neither), so no amount is moved twice. Credit notes carry their negative amounts
the same way. Whether accruals are posted is the mapping's `accrue_income` (K2 operators turn
it off); the table is the books' view either way.
"""

from datetime import date
from importlib.resources import files

import duckdb

from ornd_visma.warehouse.windows import month_pieces

SCHEDULE_DDL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.revenue_schedule (
    document_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    service_date DATE NOT NULL,
    location VARCHAR,
    floor VARCHAR,
    entity VARCHAR,
    cost_center_item_1 VARCHAR,
    cost_center_item_2 VARCHAR,
    account INTEGER,
    revenue_class VARCHAR,
    amount DECIMAL(18, 2) NOT NULL,
    invoice_date DATE NOT NULL,
    business_date DATE NOT NULL
);
"""


def _sql(name: str) -> str:
    return files("ornd_visma.books").joinpath(name).read_text()


def build_revenue_schedule(conn: duckdb.DuckDBPyConnection, start: date, end: date | None) -> int:
    """Replace the window's `core.revenue_schedule` rows, a month at a time (one transaction
    each; a line spread by day is many rows); rows written."""
    conn.execute(SCHEDULE_DDL)
    pieces = month_pieces(conn, "core.invoice_lines", start, end)
    return sum(_schedule_piece(conn, s, e) for s, e in pieces)


def _schedule_piece(conn: duckdb.DuckDBPyConnection, start: date, end: date | None) -> int:
    params = {"start": start, "end": end}
    conn.execute(_sql("revenue_schedule.sql"), params)
    scope = "business_date >= $start AND ($end IS NULL OR business_date < $end)"
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute(f"DELETE FROM core.revenue_schedule WHERE {scope}", params)
        # Documents now outside the window (re-dated, or held) leave no rows behind.
        conn.execute(
            "DELETE FROM core.revenue_schedule WHERE document_id NOT IN "
            "(SELECT document_id FROM core.documents WHERE status = 'ready')"
        )
        conn.execute("INSERT INTO core.revenue_schedule BY NAME SELECT * FROM books_schedule")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return conn.execute("SELECT count(*) FROM books_schedule").fetchall()[0][0]


def build_revenue_deferrals(conn: duckdb.DuckDBPyConnection) -> tuple[int, dict]:
    """Rebuild `core.revenue_deferrals`; (rows, totals of deferred and released)."""
    conn.execute(SCHEDULE_DDL)
    conn.execute(_sql("revenue_deferrals.sql"))
    rows, deferred, released = conn.execute(
        "SELECT count(*), coalesce(sum(deferred), 0), coalesce(sum(released), 0) "
        "FROM core.revenue_deferrals"
    ).fetchall()[0]
    return rows, {"deferred": deferred, "released": released}


def build_revenue_accruals(conn: duckdb.DuckDBPyConnection) -> tuple[int, dict]:
    """Rebuild `core.revenue_accruals`; (rows, totals of accrued and reversed)."""
    conn.execute(SCHEDULE_DDL)
    conn.execute(_sql("revenue_accruals.sql"))
    rows, accrued, reversed_ = conn.execute(
        "SELECT count(*), coalesce(sum(accrued), 0), coalesce(sum(reversed), 0) "
        "FROM core.revenue_accruals"
    ).fetchall()[0]
    return rows, {"accrued": accrued, "reversed": reversed_}
