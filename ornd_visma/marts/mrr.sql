-- Recurring revenue from memberships: marts.mrr_monthly, marts.mrr_movements,
-- marts.kpis_monthly. Variables (set by mrr.py): marts_as_of DATE, marts_prices_include_vat
-- BOOLEAN, marts_ltv_months INTEGER. The policy is in mrr.py's docstring.
CREATE SCHEMA IF NOT EXISTS marts;

-- Each recurring membership's monthly amount, net of discount and VAT.
CREATE OR REPLACE TEMP TABLE _recurring AS
SELECT
    m.id AS membership,
    coalesce(m.company, m.member) AS customer,
    CASE WHEN m.company IS NOT NULL THEN 'company' ELSE 'member' END AS customer_type,
    m.location,
    m.start_date,
    m.end_date,
    CASE
        WHEN getvariable('marts_prices_include_vat') AND coalesce(t.rate, 0) > 0
            THEN money_div(greatest(m.price - coalesce(m.discount_amount, 0), 0) * 100, 100 + t.rate)
        ELSE greatest(m.price - coalesce(m.discount_amount, 0), 0)
    END::DECIMAL(18, 2) AS monthly_amount
FROM staging.memberships AS m
JOIN staging.plans AS p ON p.id = m.plan
LEFT JOIN staging.revenue_accounts AS ra ON ra.id = p.revenue_account
LEFT JOIN staging.tax_rates AS t ON t.id = ra.tax_rate
WHERE coalesce(json_extract_string(m.payload, '$.intervalLength'), p.interval_length) = 'month'
  AND coalesce(m.status, 'approved') <> 'not_approved'
  AND coalesce(m.calculated_status, '') <> 'not_approved'
  AND coalesce(m.company, m.member) IS NOT NULL
  AND (m.end_date IS NULL OR m.end_date >= m.start_date);

-- Months from the first recurring membership to the as-of month, each with its snapshot day.
CREATE OR REPLACE TEMP TABLE _months AS
SELECT
    month,
    least(last_day(month), getvariable('marts_as_of')) AS snapshot_date
FROM (
    SELECT unnest(generate_series(
        date_trunc('month', min(start_date)),
        date_trunc('month', getvariable('marts_as_of')),
        INTERVAL 1 MONTH
    ))::DATE AS month
    FROM _recurring
    WHERE start_date <= getvariable('marts_as_of')
);

CREATE OR REPLACE TABLE marts.mrr_monthly AS
SELECT
    s.month,
    r.location,
    r.customer,
    any_value(r.customer_type) AS customer_type,
    sum(r.monthly_amount)::DECIMAL(18, 2) AS mrr,
    count(*)::INTEGER AS memberships,
    any_value(s.snapshot_date) AS snapshot_date
FROM _months AS s
JOIN _recurring AS r
  ON r.start_date <= s.snapshot_date AND (r.end_date IS NULL OR r.end_date >= s.snapshot_date)
GROUP BY s.month, r.location, r.customer
HAVING sum(r.monthly_amount) > 0
ORDER BY s.month, r.location, r.customer;

-- Month-on-month change per customer, in two scopes: per location (a customer's relationship
-- with one location) and in total (the customer across all locations, `location` NULL).
CREATE OR REPLACE TEMP TABLE _scoped AS
SELECT 'location' AS scope, month, location, customer, mrr FROM marts.mrr_monthly
UNION ALL
SELECT 'total', month, NULL, customer, sum(mrr)::DECIMAL(18, 2)
FROM marts.mrr_monthly GROUP BY month, customer;

CREATE OR REPLACE TEMP TABLE _changes AS
WITH firsts AS (
    SELECT scope, location, customer, min(month) AS first_month
    FROM _scoped GROUP BY scope, location, customer
),
grid AS (
    SELECT f.scope, f.location, f.customer, f.first_month, m.month
    FROM firsts AS f JOIN _months AS m ON m.month >= f.first_month
),
filled AS (
    SELECT g.*, coalesce(s.mrr, 0)::DECIMAL(18, 2) AS mrr
    FROM grid AS g
    LEFT JOIN _scoped AS s
      ON s.scope = g.scope AND s.location IS NOT DISTINCT FROM g.location
     AND s.customer = g.customer AND s.month = g.month
),
lagged AS (
    SELECT *,
        coalesce(lag(mrr) OVER (
            PARTITION BY scope, location, customer ORDER BY month
        ), 0)::DECIMAL(18, 2) AS previous
    FROM filled
)
SELECT
    scope, month, location, customer, previous, mrr,
    CASE
        WHEN previous = 0 AND mrr > 0 AND month = first_month THEN 'new'
        WHEN previous = 0 AND mrr > 0 THEN 'reactivation'
        WHEN previous > 0 AND mrr = 0 THEN 'churn'
        WHEN mrr > previous THEN 'expansion'
        WHEN mrr < previous THEN 'contraction'
    END AS movement,
    (mrr - previous)::DECIMAL(18, 2) AS amount
FROM lagged;

CREATE OR REPLACE TABLE marts.mrr_movements AS
SELECT month, location, customer, movement, amount, previous AS mrr_before, mrr AS mrr_after
FROM _changes
WHERE scope = 'location' AND movement IS NOT NULL
ORDER BY month, location, customer;

CREATE OR REPLACE TABLE marts.kpis_monthly AS
WITH scopes AS (
    SELECT DISTINCT scope, location FROM _changes
),
base AS (
    SELECT sc.scope, sc.location, m.month
    FROM scopes AS sc CROSS JOIN _months AS m
),
agg AS (
    SELECT
        b.scope, b.location, b.month,
        count(*) FILTER (WHERE c.mrr > 0)::INTEGER AS customers,
        count(*) FILTER (WHERE c.previous > 0)::INTEGER AS customers_at_start,
        coalesce(sum(c.mrr), 0)::DECIMAL(18, 2) AS mrr,
        coalesce(sum(c.previous), 0)::DECIMAL(18, 2) AS mrr_at_start,
        coalesce(sum(c.amount) FILTER (WHERE c.movement = 'new'), 0)::DECIMAL(18, 2) AS new_mrr,
        coalesce(sum(c.amount) FILTER (WHERE c.movement = 'expansion'), 0)::DECIMAL(18, 2)
            AS expansion_mrr,
        coalesce(sum(c.amount) FILTER (WHERE c.movement = 'contraction'), 0)::DECIMAL(18, 2)
            AS contraction_mrr,
        coalesce(sum(c.amount) FILTER (WHERE c.movement = 'churn'), 0)::DECIMAL(18, 2)
            AS churned_mrr,
        coalesce(sum(c.amount) FILTER (WHERE c.movement = 'reactivation'), 0)::DECIMAL(18, 2)
            AS reactivation_mrr,
        count(*) FILTER (WHERE c.movement = 'new')::INTEGER AS new_customers,
        count(*) FILTER (WHERE c.movement = 'churn')::INTEGER AS churned_customers,
        count(*) FILTER (WHERE c.movement = 'reactivation')::INTEGER AS reactivated_customers
    FROM base AS b
    LEFT JOIN _changes AS c
      ON c.scope = b.scope AND c.location IS NOT DISTINCT FROM b.location AND c.month = b.month
    GROUP BY b.scope, b.location, b.month
),
rates AS (
    SELECT *,
        ratio_div(churned_customers, customers_at_start) AS customer_churn_rate,
        fine_div(churned_customers, customers_at_start) AS _churn_fine,
        ratio_div(-(churned_mrr + contraction_mrr), mrr_at_start) AS gross_mrr_churn_rate,
        ratio_div(
            -(churned_mrr + contraction_mrr + expansion_mrr + reactivation_mrr), mrr_at_start
        ) AS net_mrr_churn_rate,
        ratio_div(mrr_at_start + expansion_mrr + contraction_mrr + churned_mrr, mrr_at_start)
            AS nrr,
        money_div(mrr, customers) AS arpa
    FROM agg
),
windowed AS (
    SELECT *,
        -- the trailing average churn, exactly: sum and count of the defined rates
        sum(_churn_fine) OVER (
            PARTITION BY scope, location ORDER BY month
            ROWS BETWEEN getvariable('marts_ltv_months') PRECEDING AND 1 PRECEDING
        ) AS _trailing_sum,
        count(_churn_fine) OVER (
            PARTITION BY scope, location ORDER BY month
            ROWS BETWEEN getvariable('marts_ltv_months') PRECEDING AND 1 PRECEDING
        ) AS _trailing_count
    FROM rates
)
SELECT
    scope, location, month, customers, customers_at_start, new_customers, churned_customers,
    reactivated_customers, mrr, mrr_at_start, new_mrr, expansion_mrr, contraction_mrr,
    churned_mrr, reactivation_mrr, customer_churn_rate, gross_mrr_churn_rate,
    net_mrr_churn_rate, nrr, arpa,
    ratio_div(_trailing_sum, _trailing_count) AS trailing_customer_churn_rate,
    money_div(arpa * _trailing_count, _trailing_sum) AS ltv
FROM windowed
ORDER BY scope, location NULLS LAST, month;
