-- What booking accounting needs, from staging: each booking with its resource type, hourly
-- rate and accounting entries (`fees[]`, one per accounted occurrence); each fee with the
-- invoice that billed it; each holder's credit and coin allowances and the memberships
-- granting them.
CREATE OR REPLACE TEMP TABLE booking_source AS
SELECT
    b.id AS booking_id,
    b.location,
    b.resource,
    coalesce(b.company, b.member) AS customer_id,
    CASE WHEN b.company IS NOT NULL THEN 'company' ELSE 'member' END AS customer_type,
    b.member,
    b.company,
    json_extract_string(b.payload, '$.start') AS start_text,
    json_extract_string(b.payload, '$.end') AS end_text,
    json_extract_string(b.payload, '$.seriesStart') AS series_start_text,
    json_extract_string(b.payload, '$.timezone') AS timezone,
    json_extract_string(b.payload, '$.recurrence.rrule') AS rrule,
    coalesce(json_extract_string(b.payload, '$.recurrence.exdates[*]'), []) AS exdates,
    json_extract_string(b.payload, '$.createdAt') AS created_text,
    coalesce(b.is_cancelled, false) AS is_cancelled,
    coalesce(b.is_tentative, false) AS is_tentative,
    coalesce(b.is_free, false) AS is_free,
    coalesce(json_extract(b.payload, '$.fees[*]'), [])::VARCHAR[] AS entries,
    r.type AS resource_type,
    coalesce(b.rate, r.rate) AS rate,
    rr.price AS hourly_rate
FROM staging.bookings b
LEFT JOIN staging.resources r ON r.id = b.resource
LEFT JOIN staging.resource_rates rr ON rr.id = coalesce(b.rate, r.rate);

CREATE OR REPLACE TEMP TABLE booking_fees AS
WITH billed AS (
    SELECT json_extract_string(line, '$.fee') AS fee_id,
           arg_max(p.id, p.date) AS invoice_id,
           arg_max(json_extract_string(line, '$.subTotal')::DECIMAL(18, 2), p.date) AS billed
    FROM staging.payments p, unnest(json_extract(p.payload, '$.lines[*]')) AS u(line)
    WHERE p.document_type = 'invoice' AND p.status NOT IN ('voided', 'draft')
      AND json_extract_string(line, '$.fee') IS NOT NULL
    GROUP BY ALL
)
SELECT coalesce(f.id, bl.fee_id) AS fee_id,
       f.id IS NOT NULL AS fee_staged,
       f.issue_date,
       coalesce(bl.billed, (f.price * f.quantity)::DECIMAL(18, 2)) AS fee_amount,
       coalesce(bl.invoice_id, f.payment_id) AS invoice_id
FROM staging.fees f FULL JOIN billed bl ON bl.fee_id = f.id;

CREATE OR REPLACE TEMP TABLE booking_allowances AS
SELECT coalesce(a.company, a.member) AS holder, a.kind, a.interval_length, a.valid_from,
       a.valid_to, a.count, a.membership,
       least(m.start_date, m.created_at::DATE) AS entitled_from, m.end_date AS entitled_to,
       a.resource_types
FROM (
    SELECT company, member, 'credits' AS kind, interval_length, valid_from, valid_to, count,
           membership,
           CASE WHEN json_extract_string(payload, '$.validFor') = 'resourceTypes'
                THEN json_extract_string(payload, '$.resourceTypes[*]') END AS resource_types
    FROM staging.credits
    UNION ALL
    SELECT company, member, 'coins', interval_length, valid_from, valid_to, count, membership,
           NULL
    FROM staging.coins
) a
LEFT JOIN staging.memberships m ON m.id = a.membership;
