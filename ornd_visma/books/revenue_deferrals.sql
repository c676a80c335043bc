-- The monthly deferral and release, rebuilt whole from core.revenue_schedule: what was
-- invoiced in a month for service in a later month is deferred at that month's end, and
-- released in the month of service, per entity, account and cost-center items.
CREATE OR REPLACE TABLE core.revenue_deferrals AS
WITH ahead AS (
    SELECT entity, account, cost_center_item_1, cost_center_item_2, amount,
           date_trunc('month', invoice_date)::DATE AS invoiced_month,
           date_trunc('month', service_date)::DATE AS service_month
    FROM core.revenue_schedule
    WHERE date_trunc('month', service_date) > date_trunc('month', invoice_date)
),
moves AS (
    SELECT entity, invoiced_month AS month, account, cost_center_item_1, cost_center_item_2,
           amount AS deferred, 0::DECIMAL(18, 2) AS released
    FROM ahead
    UNION ALL
    SELECT entity, service_month, account, cost_center_item_1, cost_center_item_2,
           0::DECIMAL(18, 2), amount
    FROM ahead
)
SELECT entity, month, account, cost_center_item_1, cost_center_item_2,
       sum(deferred)::DECIMAL(18, 2) AS deferred,
       sum(released)::DECIMAL(18, 2) AS released
FROM moves
GROUP BY ALL
ORDER BY entity, month, account, cost_center_item_1, cost_center_item_2
