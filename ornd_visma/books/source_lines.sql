-- The staged invoice and credit-note lines of a business-date window, with what the mapping
-- and the checks need resolved from the staged dimensions. Parameters: $start, $end (NULL:
-- open-ended). Voided and draft documents are not books; overpayments are not revenue.
--
-- A line's location is its own (else the document's) and its floor that of the membership's
-- assigned resource during the service period (or of the booking a fee bills). A credit-note
-- line instead carries the location and floor of the invoice line it credits, so that the
-- credit lands on the cost centers of what it cancels even when the assignment has ended since:
-- the credited line is, among the lines of the invoices the credit note is allocated to, one
-- of the same membership, else of the same fee, else of the same plan (a line of another
-- membership or fee never matches); among equals the one of the same revenue account, then the
-- one whose service period overlaps the credit's, then the first. Only a credit-note line with
-- no credited line found keeps its own derivation. The credited invoice's lines are derived
-- here from staging, whatever window it is in, so the result does not depend on which windows
-- were built before.
CREATE OR REPLACE TEMP TABLE books_source AS
WITH docs AS (
    SELECT p.*, json_extract(p.payload, '$.lines[*]') AS line_list
    FROM staging.payments p
    WHERE p.business_date >= $start AND ($end IS NULL OR p.business_date < $end)
      AND p.document_type IN ('invoice', 'creditNote')
      AND p.status NOT IN ('voided', 'draft')
),
-- Each credit note of the window and the invoices it is allocated to.
credit_targets AS (
    SELECT DISTINCT d.id AS document_id, json_extract_string(t, '$') AS invoice_id
    FROM docs d, unnest(json_extract(d.payload, '$.allocations[*].target')) AS u(t)
    WHERE d.document_type = 'creditNote'
),
-- The window's documents and the credited invoices outside it, for their lines' dimensions.
all_docs AS (
    SELECT id, location, line_list FROM docs
    UNION ALL
    SELECT p.id, p.location, json_extract(p.payload, '$.lines[*]')
    FROM staging.payments p
    WHERE p.document_type = 'invoice'
      AND p.id IN (SELECT invoice_id FROM credit_targets)
      AND p.id NOT IN (SELECT id FROM docs)
),
lines AS (
    SELECT d.id AS document_id, unnest(d.line_list) AS line,
           unnest(range(1, len(d.line_list) + 1)) AS line_no
    FROM all_docs d
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
),
-- Each line's own location and floor.
line_dims AS (
    SELECT f.document_id, f.line_no,
           coalesce(f.line_location_id, d.location) AS location_id,
           fl.id AS floor_id
    FROM line_fields f
    JOIN all_docs d ON d.id = f.document_id
    LEFT JOIN line_assignment la ON la.document_id = f.document_id AND la.line_no = f.line_no
    LEFT JOIN fee_bookings fb ON fb.fee_id = f.fee_id
    LEFT JOIN staging.resources rs ON rs.id = coalesce(la.resource, fb.resource)
    LEFT JOIN staging.floors fl ON fl.id = rs.floor
),
-- The invoice line each credit-note line credits (the rule above), with its dimensions.
credited_lines AS (
    SELECT c.document_id, c.line_no, i.document_id AS credited_document_id,
           i.line_no AS credited_line_no, dims.location_id, dims.floor_id
    FROM line_fields c
    JOIN credit_targets t ON t.document_id = c.document_id
    JOIN line_fields i ON i.document_id = t.invoice_id
    JOIN line_dims dims ON dims.document_id = i.document_id AND dims.line_no = i.line_no
    WHERE NOT (c.membership_id IS NOT NULL AND i.membership_id IS NOT NULL
               AND c.membership_id <> i.membership_id)
      AND NOT (c.fee_id IS NOT NULL AND i.fee_id IS NOT NULL AND c.fee_id <> i.fee_id)
      AND (c.membership_id = i.membership_id OR c.fee_id = i.fee_id OR c.plan_id = i.plan_id)
    QUALIFY row_number() OVER (
        PARTITION BY c.document_id, c.line_no
        ORDER BY (c.membership_id = i.membership_id) IS TRUE DESC,
                 (c.fee_id = i.fee_id) IS TRUE DESC,
                 (c.plan_id = i.plan_id) IS TRUE DESC,
                 (c.revenue_account_id = i.revenue_account_id) IS TRUE DESC,
                 (coalesce(c.start_date, DATE '0001-01-01')
                      <= coalesce(i.end_date, i.start_date, DATE '9999-12-31')
                  AND coalesce(i.start_date, DATE '0001-01-01')
                      <= coalesce(c.end_date, c.start_date, DATE '9999-12-31')) DESC,
                 i.document_id, i.line_no
    ) = 1
),
chosen_dims AS (   -- the credited line's dimensions where there is one, else the line's own
    SELECT own.document_id, own.line_no,
           CASE WHEN cl.credited_line_no IS NULL THEN own.location_id ELSE cl.location_id END
               AS location_id,
           CASE WHEN cl.credited_line_no IS NULL THEN own.floor_id ELSE cl.floor_id END
               AS floor_id,
           cl.credited_document_id, cl.credited_line_no
    FROM line_dims own
    LEFT JOIN credited_lines cl ON cl.document_id = own.document_id AND cl.line_no = own.line_no
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
    cd.location_id,
    ll.code AS location_code,
    fl.id AS floor_id,
    fl.name AS floor_name,
    cd.credited_document_id AS credited_line_document_id,
    cd.credited_line_no,
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
LEFT JOIN chosen_dims cd ON cd.document_id = f.document_id AND cd.line_no = f.line_no
LEFT JOIN staging.locations ll ON ll.id = cd.location_id
LEFT JOIN staging.floors fl ON fl.id = cd.floor_id
