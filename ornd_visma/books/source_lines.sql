-- The staged invoice and credit-note lines of a business-date window, with what the mapping
-- and the checks need resolved from the staged dimensions. Parameters: $start, $end (NULL:
-- open-ended). Voided and draft documents are not books; overpayments are not revenue.
CREATE OR REPLACE TEMP TABLE books_source AS
WITH docs AS (
    SELECT p.*, json_extract(p.payload, '$.lines[*]') AS line_list
    FROM staging.payments p
    WHERE p.business_date >= $start AND ($end IS NULL OR p.business_date < $end)
      AND p.document_type IN ('invoice', 'creditNote')
      AND p.status NOT IN ('voided', 'draft')
),
lines AS (
    SELECT d.id AS document_id, unnest(d.line_list) AS line,
           unnest(range(1, len(d.line_list) + 1)) AS line_no
    FROM docs d
),
line_fields AS (
    SELECT
        l.document_id,
        l.line_no::INTEGER AS line_no,
        json_extract_string(l.line, '$.description') AS description,
        json_extract_string(l.line, '$.quantity')::DECIMAL(18, 4) AS quantity,
        json_extract_string(l.line, '$.account') AS revenue_account_id,
        json_extract_string(l.line, '$.plan') AS plan_id,
        json_extract_string(l.line, '$.fee') AS fee_id,
        coalesce(json_extract_string(l.line, '$.membership'),
                 json_extract_string(l.line, '$.memberships[0]')) AS membership_id,
        json_extract_string(l.line, '$.location') AS line_location_id,
        json_extract_string(l.line, '$.taxRate') AS tax_rate_id,
        json_extract_string(l.line, '$.taxPercent')::DECIMAL(5, 2) AS tax_percent,
        json_extract_string(l.line, '$.taxAmount')::DECIMAL(18, 2) AS tax_amount,
        json_extract_string(l.line, '$.subTotal')::DECIMAL(18, 2) AS sub_total,
        json_extract_string(l.line, '$.total')::DECIMAL(18, 2) AS line_total,
        try_cast(left(json_extract_string(l.line, '$.startDate'), 10) AS DATE) AS start_date,
        try_cast(left(json_extract_string(l.line, '$.endDate'), 10) AS DATE) AS end_date
    FROM lines l
),
-- A booking fee's occurrence: the booking whose `fees[]` names the fee (for the floor).
fee_bookings AS (
    SELECT json_extract_string(entry, '$.fee') AS fee_id, any_value(b.resource) AS resource
    FROM staging.bookings b, unnest(json_extract(b.payload, '$.fees[*]')) AS e(entry)
    WHERE json_extract_string(entry, '$.fee') IS NOT NULL
    GROUP BY ALL
),
-- A membership's resource during the line's service period (the latest assignment begun).
line_assignment AS (
    SELECT f.document_id, f.line_no, arg_max(a.resource, a.start_date) AS resource
    FROM line_fields f JOIN staging.assignments a ON a.membership = f.membership_id
    WHERE a.start_date <= coalesce(f.end_date, f.start_date, DATE '9999-12-31')
      AND (a.end_date IS NULL OR a.end_date >= coalesce(f.start_date, DATE '0001-01-01'))
    GROUP BY ALL
)
SELECT
    d.id AS document_id,
    d.number AS document_number,
    d.document_type,
    d.date AS invoice_date,
    d.due_date,
    d.currency,
    d.tax_type,
    d.total AS document_total,
    d.sub_total AS document_sub_total,
    d.location AS document_location_id,
    dl.code AS document_location_code,
    coalesce(d.company, d.member) AS customer_id,
    CASE WHEN d.company IS NOT NULL THEN 'company' ELSE 'member' END AS customer_type,
    CASE WHEN d.company IS NOT NULL THEN c.id IS NOT NULL ELSE m.id IS NOT NULL END
        AS customer_staged,
    c.country AS customer_country,
    c.vat_number AS customer_vat_number,
    json_extract(d.payload, '$.allocations[*].target') AS allocation_targets,
    json_extract(d.payload, '$.taxAmounts[*]') AS tax_amounts,
    len(d.line_list) AS line_count,
    f.line_no,
    f.description,
    f.quantity,
    f.revenue_account_id,
    ra.code AS revenue_account_code,
    f.plan_id,
    coalesce(pl.code, rr.code) AS plan_code,
    pl.type AS plan_type,
    rr.id IS NOT NULL AS plan_is_resource_rate,
    f.fee_id,
    fe.plan_type AS fee_plan_type,
    fe.is_refundable AS fee_is_refundable,
    f.membership_id,
    coalesce(f.line_location_id, d.location) AS location_id,
    ll.code AS location_code,
    fl.id AS floor_id,
    fl.name AS floor_name,
    f.tax_rate_id,
    tr.code AS tax_rate_code,
    tr.rate AS tax_rate_percent,
    f.tax_percent,
    f.tax_amount,
    f.sub_total,
    f.line_total,
    coalesce(f.start_date, d.date) AS service_start,
    coalesce(f.end_date, f.start_date, d.date) AS service_end
FROM docs d
LEFT JOIN line_fields f ON f.document_id = d.id
LEFT JOIN staging.locations dl ON dl.id = d.location
LEFT JOIN staging.companies c ON c.id = d.company
LEFT JOIN staging.members m ON m.id = d.member
LEFT JOIN staging.revenue_accounts ra ON ra.id = f.revenue_account_id
LEFT JOIN staging.plans pl ON pl.id = f.plan_id
LEFT JOIN staging.resource_rates rr ON rr.id = f.plan_id
LEFT JOIN staging.fees fe ON fe.id = f.fee_id
LEFT JOIN staging.tax_rates tr ON tr.id = f.tax_rate_id
LEFT JOIN staging.locations ll ON ll.id = coalesce(f.line_location_id, d.location)
LEFT JOIN line_assignment la ON la.document_id = f.document_id AND la.line_no = f.line_no
LEFT JOIN fee_bookings fb ON fb.fee_id = f.fee_id
LEFT JOIN staging.resources rs ON rs.id = coalesce(la.resource, fb.resource)
LEFT JOIN staging.floors fl ON fl.id = rs.floor
