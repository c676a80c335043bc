-- The monthly accrual of income served before it was invoiced (upplupna intäkter, K3),
-- rebuilt whole from core.revenue_schedule: what was served in a month and invoiced in a
-- later month is accrued at the service month's end, and the accrual is reversed in the month
-- of the invoice (whose ledger item books the revenue), per entity, account and cost-center
-- items. The mirror of revenue_deferrals.sql: a schedule row is deferred (served after its
-- invoice month), accrued (served before it) or neither (served in it), never two of them.
CREATE OR REPLACE TABLE core.revenue_accruals AS
WITH behind AS (
    SELECT entity, account, cost_center_item_1, cost_center_item_2, amount,
           date_trunc('month', invoice_date)::DATE AS invoiced_month,
           date_trunc('month', service_date)::DATE AS service_month
    FROM core.revenue_schedule
    WHERE date_trunc('month', service_date) < date_trunc('month', invoice_date)
),
moves AS (
    SELECT entity, service_month AS month, account, cost_center_item_1, cost_center_item_2,
           amount AS accrued, 0::DECIMAL(18, 2) AS reversed
    FROM behind
    UNION ALL
    SELECT entity, invoiced_month, account, cost_center_item_1, cost_center_item_2,
           0::DECIMAL(18, 2), amount
    FROM behind
)
SELECT entity, month, account, cost_center_item_1, cost_center_item_2,
       sum(accrued)::DECIMAL(18, 2) AS accrued,
       sum(reversed)::DECIMAL(18, 2) AS reversed
FROM moves
GROUP BY ALL
ORDER BY entity, month, account, cost_center_item_1, cost_center_item_2
