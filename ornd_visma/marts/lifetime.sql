-- Member lifetime value: marts.customer_lifetime. Reads marts.mrr_monthly,
-- marts.kpis_monthly and _lifetime_revenue (set up by lifetime.py). Variables: marts_as_of,
-- marts_ltv_months.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TABLE marts.customer_lifetime AS
WITH customers AS (
    SELECT
        customer,
        any_value(customer_type) AS customer_type,
        min(month) AS first_month,
        max(month) AS last_month,
        count(DISTINCT month)::INTEGER AS months_with_mrr,
        sum(mrr)::DECIMAL(18, 2) AS mrr_to_date
    FROM marts.mrr_monthly GROUP BY customer
),
current AS (
    SELECT customer, sum(mrr)::DECIMAL(18, 2) AS current_mrr
    FROM marts.mrr_monthly
    WHERE month = date_trunc('month', getvariable('marts_as_of'))::DATE
    GROUP BY customer
),
churn AS (
    -- LTV's denominator: the average customer churn of all locations over the
    -- marts_ltv_months months before the as-of month, where it is defined
    SELECT sum(fine_div(churned_customers, customers_at_start)) AS churn_sum,
           count(fine_div(churned_customers, customers_at_start)) AS churn_count
    FROM marts.kpis_monthly
    WHERE scope = 'total'
      AND month < date_trunc('month', getvariable('marts_as_of'))
      AND month >= date_trunc('month', getvariable('marts_as_of'))
                   - to_months(getvariable('marts_ltv_months'))
),
revenue AS (
    SELECT customer_id AS customer, sum(amount)::DECIMAL(18, 2) AS revenue_to_date
    FROM _lifetime_revenue
    WHERE service_date <= getvariable('marts_as_of')
    GROUP BY customer_id
)
SELECT
    c.customer, c.customer_type, c.first_month, c.last_month, c.months_with_mrr,
    cur.current_mrr IS NOT NULL AS active,
    coalesce(cur.current_mrr, 0)::DECIMAL(18, 2) AS current_mrr,
    c.mrr_to_date,
    coalesce(r.revenue_to_date, 0)::DECIMAL(18, 2) AS revenue_to_date,
    CASE WHEN cur.current_mrr IS NOT NULL
        THEN ratio_div(ch.churn_count, ch.churn_sum) END AS expected_remaining_months,
    CASE WHEN cur.current_mrr IS NOT NULL
        THEN coalesce(r.revenue_to_date, 0)
             + money_div(cur.current_mrr * ch.churn_count, ch.churn_sum)
        ELSE coalesce(r.revenue_to_date, 0)
    END::DECIMAL(18, 2) AS expected_lifetime_value
FROM customers AS c
LEFT JOIN current AS cur USING (customer)
LEFT JOIN revenue AS r USING (customer)
CROSS JOIN churn AS ch
ORDER BY c.customer;
