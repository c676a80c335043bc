-- Each ready line's net revenue by service day: `period` lines spread evenly over their
-- service period in whole öre, the öre left over one each to the last days; `point` lines on
-- their first service day. Only revenue accounts (BAS class 3). Parameters: $start, $end.
CREATE OR REPLACE TEMP TABLE books_schedule AS
WITH lines AS (
    SELECT l.*,
           l.service_start AS first_day,
           CASE WHEN l.recognition = 'point' THEN l.service_start ELSE l.service_end END
               AS last_day,
           (l.net_amount * 100)::BIGINT AS ore
    FROM core.invoice_lines l
    JOIN core.documents d USING (document_id)
    WHERE d.status = 'ready'
      AND l.account BETWEEN 3000 AND 3999
      AND l.business_date >= $start AND ($end IS NULL OR l.business_date < $end)
),
days AS (
    SELECT lines.*,
           (last_day - first_day + 1)::BIGINT AS day_count,
           unnest(generate_series(first_day, last_day, INTERVAL 1 DAY))::DATE AS service_date
    FROM lines
),
parts AS (
    SELECT days.*,
           (service_date - first_day)::BIGINT AS day_index,
           abs(ore) // day_count AS base,
           abs(ore) % day_count AS remainder
    FROM days
)
SELECT
    document_id, line_no, service_date, location, floor, entity,
    cost_center_item_1, cost_center_item_2, account, revenue_class,
    (sign(ore) * (base + CASE WHEN day_index >= day_count - remainder THEN 1 ELSE 0 END)
        / 100)::DECIMAL(18, 2) AS amount,
    invoice_date,
    business_date
FROM parts
WHERE base > 0 OR day_index >= day_count - remainder
