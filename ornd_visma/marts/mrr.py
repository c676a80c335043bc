"""Recurring revenue from memberships: MRR per customer and month, its movements, and the
monthly KPIs, per location and in total.

Policy (where the metric vendors differ, the choice made here; each is one place to change):

* **Source.** MRR is built from memberships, not invoices (OfficeRnD's "Projected Revenue";
  Lago: "MRR is not what you invoiced"): one-off fees, bookings, day passes and prorations
  are not recurring. A membership is recurring when its `intervalLength` (else its plan's) is
  `month`; memberships `not_approved` are not revenue.
* **Amount.** `price − discountAmount` per membership and month, never below zero. The API
  documents `price` as "the monthly price" and the billing engine invoices
  `price × intervalCount` for multi-month plans, so a quarterly plan's MRR is its `price`, not
  a third of it: `intervalCount` is how often it is billed, not what a month is worth. Prices
  are taken as excluding VAT (OfficeRnD's `taxType: excluded`, the sandbox's setting);
  operators whose prices include VAT set `prices_include_vat` and the plan's tax rate is
  taken out (`price × 100 / (100 + rate)`).
* **Customer.** The company of a membership, else its member. A company's memberships add
  up: a second membership is expansion, ending one of two is contraction, and churn is only
  when none is left (ChartMogul).
* **When.** A month's MRR is the memberships active on its last day (`end_date` is the last
  day served), or on `as_of` for the running month. So a membership starting mid-month counts
  in full in its first month (MRR is a run rate; occupancy is where proration lives), and
  churn is recognised the month after the final served day ("at the end of the final paid
  service period"). A sign-up cancelled within the same month never has MRR at a month's end
  and is in no movement or churn figure at all (ProfitWell's exclusion).
* **Movements** per customer and month, signed so that they add up to the change in MRR:
  `new` (first MRR ever in the scope), `reactivation` (MRR again after a month at zero),
  `expansion` / `contraction` (net change of a paying customer), `churn` (to zero; the
  negative of the MRR before). Two changes in one month net to one movement.
* **Scopes.** Per location, a customer's relationship with that location (moving from one
  location to another is churn there and new here); in total (`location` NULL in
  `kpis_monthly`), the customer across every location (a move is no movement).
* **KPIs** (ChartMogul's formulas): customer churn = churned ÷ customers at the start;
  gross MRR churn = −(churn + contraction) ÷ MRR at the start; net MRR churn =
  −(churn + contraction + expansion + reactivation) ÷ MRR at the start; NRR =
  (MRR at start + expansion + contraction + churn) ÷ MRR at the start (new and reactivation
  excluded); ARPA = MRR ÷ customers; LTV = ARPA ÷ the average customer churn rate of the
  `ltv_months` (6) months before, the current month excluded, over the months where it is
  defined; undefined (NULL) when that churn is zero.
"""

from dataclasses import dataclass
from datetime import date

import duckdb

from ornd_visma.marts.build import Build, rebuild

LTV_TRAILING_MONTHS = 6
# The policy in short, for the asset descriptions in the Dagster UI (the docstring has it all).
POLICY = """Policy: MRR from memberships (not invoices), price − discount, without VAT, recurring
(monthly) memberships live on the month's last day; a company's memberships add up (a second
one is expansion, ending one of two contraction, churn only when none is left); churn counts
the month after the last day served; a sign-up cancelled within its month is in no figure;
back after a month at zero is reactivation. KPIs by ChartMogul's formulas; LTV = ARPA ÷ the
average customer churn of the six months before (NULL when zero)."""
MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")


@dataclass(frozen=True)
class MrrSummary:
    months: int
    customers: int  # customers with MRR in the last month
    mrr: object  # Decimal: MRR of the last month, all locations
    movements: int
    build: Build


def build_mrr(
    conn: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    prices_include_vat: bool = False,
    ltv_months: int = LTV_TRAILING_MONTHS,
) -> MrrSummary:
    """Rebuild `marts.mrr_monthly`, `marts.mrr_movements` and `marts.kpis_monthly` from
    `staging.memberships` and `staging.plans`, through `as_of`'s month, in one transaction."""
    if ltv_months < 1:
        raise ValueError(f"ltv_months must be at least 1, not {ltv_months}")
    built = rebuild(
        conn,
        "mrr.sql",
        ["mrr_monthly", "mrr_movements", "kpis_monthly"],
        variables={
            "marts_as_of": (as_of, "DATE"),
            "marts_prices_include_vat": (prices_include_vat, "BOOLEAN"),
            "marts_ltv_months": (ltv_months, "INTEGER"),
        },
    )
    months, customers, mrr = conn.execute(
        """
        SELECT
            (SELECT count(DISTINCT month) FROM marts.kpis_monthly),
            coalesce(customers, 0), coalesce(mrr, 0)
        FROM (SELECT 1) LEFT JOIN (
            SELECT customers, mrr FROM marts.kpis_monthly
            WHERE scope = 'total' ORDER BY month DESC LIMIT 1
        ) ON true
        """
    ).fetchall()[0]
    ((movements,),) = conn.execute("SELECT count(*) FROM marts.mrr_movements").fetchall()
    return MrrSummary(months, customers, mrr, movements, built)
