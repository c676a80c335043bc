"""Member lifetime value per customer (company, else member), across all locations.

* `revenue_to_date`: everything the books recognised for the customer up to `as_of`
  (`core.revenue_schedule` by the documents' `customer_id`: memberships, bookings, fees,
  credit notes negative), so lifetime value is what the customer was actually worth, not
  only its MRR; `mrr_to_date` is the sum of its monthly MRR beside it.
* `expected_remaining_months` = 1 ÷ the trailing customer churn (all locations, the
  `ltv_months` months before `as_of`'s month, as in `kpis_monthly.ltv`): a customer churning
  at rate c stays 1/c months on average. NULL for customers no longer active, and when the
  churn is zero (undefined, not infinite).
* `expected_lifetime_value` = `revenue_to_date` + `current_mrr` × expected remaining months;
  for a former customer, `revenue_to_date`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from ornd_visma.marts.build import Build, rebuild
from ornd_visma.marts.mrr import LTV_TRAILING_MONTHS
from ornd_visma.warehouse.tables import table_exists


@dataclass(frozen=True)
class LifetimeSummary:
    customers: int
    active: int
    books_present: bool
    revenue_to_date: Decimal
    build: Build


def build_lifetime(
    conn: duckdb.DuckDBPyConnection, as_of: date, *, ltv_months: int = LTV_TRAILING_MONTHS
) -> LifetimeSummary:
    """Rebuild `marts.customer_lifetime` (needs `marts.mrr_monthly` and `kpis_monthly`); while
    the books' tables do not exist, `revenue_to_date` is zero and `books_present` says so."""
    books = table_exists(conn, "core.revenue_schedule") and table_exists(conn, "core.documents")
    source = (
        "SELECT d.customer_id, s.service_date, s.amount FROM core.revenue_schedule AS s "
        "JOIN core.documents AS d ON d.document_id = s.document_id"
        if books
        else "SELECT NULL::VARCHAR AS customer_id, NULL::DATE AS service_date, "
        "NULL::DECIMAL(18, 2) AS amount WHERE false"
    )
    built = rebuild(
        conn,
        "lifetime.sql",
        ["customer_lifetime"],
        variables={"marts_as_of": (as_of, "DATE"), "marts_ltv_months": (ltv_months, "INTEGER")},
        views={"_lifetime_revenue": source},
    )
    ((customers, active, revenue),) = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE active), coalesce(sum(revenue_to_date), 0) "
        "FROM marts.customer_lifetime"
    ).fetchall()
    return LifetimeSummary(customers, active, books, revenue, built)
