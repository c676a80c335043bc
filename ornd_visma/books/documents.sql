-- One row per document: the lines' sums, OfficeRnD's total, the rounding, the credited
-- invoice, and every reason it is held. Parameter: $rounding ('whole_krona' or 'none').
CREATE OR REPLACE TEMP TABLE books_documents AS
WITH docs AS (
    SELECT DISTINCT ON (document_id)
        document_id, document_number, document_type, invoice_date, due_date, currency,
        document_total, document_location_id, document_location_code, customer_id,
        customer_type, customer_staged, allocation_targets, tax_amounts, line_count,
        CASE WHEN document_type = 'creditNote' THEN -1 ELSE 1 END AS sign
    FROM books_source
),
doc_location AS (
    SELECT d.document_id, loc.entity, loc.problem
    FROM docs d LEFT JOIN books_locations loc ON loc.location_id = d.document_location_id
),
sums AS (
    SELECT document_id,
           sum(net_amount) AS net_total,
           sum(vat_amount) AS vat_total,
           -- unsigned, as OfficeRnD sends them
           sum(sign * net_amount) AS ornd_net,
           sum(sign * vat_amount) AS ornd_vat,
           list(DISTINCT entity) FILTER (WHERE entity IS NOT NULL) AS line_entities,
           flatten(list(
               list_transform(problems, lambda p: 'line ' || line_no || ' (' || coalesce(description, '') || '): ' || p)
               ORDER BY line_no)) AS line_problems,
           bool_and(len(problems) = 0) AS lines_ok,
           string_agg(to_json(struct_pack(line_no, service_start, service_end, net_amount,
                                          tax_percent, vat_amount, account, article, vat_code,
                                          vat_account, cost_center_item_1, cost_center_item_2,
                                          revenue_class, recognition, entity, quantity,
                                          description))::VARCHAR, '\n' ORDER BY line_no)
               AS lines_text
    FROM books_lines GROUP BY document_id
),
vat_by_rate AS (   -- OfficeRnD's taxAmounts against the lines' VAT, per percent
    SELECT document_id, string_agg(
        percent || ' %: taxAmounts ' || coalesce(stated::VARCHAR, 'none') || ', lines '
        || coalesce(lines::VARCHAR, 'none'), '; ' ORDER BY percent) AS mismatch
    FROM (
        SELECT coalesce(t.document_id, l.document_id) AS document_id,
               coalesce(t.percent, l.percent) AS percent, t.stated, l.lines
        FROM (SELECT document_id,
                     json_extract_string(ta, '$.percent')::DECIMAL(5, 2) AS percent,
                     sum(json_extract_string(ta, '$.total')::DECIMAL(18, 2)) AS stated
              FROM docs, unnest(tax_amounts) AS u(ta) GROUP BY ALL) t
        FULL JOIN (SELECT document_id, tax_percent AS percent, sum(tax_amount) AS lines
                   FROM books_lines WHERE tax_amount <> 0 GROUP BY ALL) l
          ON l.document_id = t.document_id AND l.percent = t.percent
    )
    WHERE stated IS DISTINCT FROM lines AND NOT (coalesce(stated, 0) = 0 AND lines IS NULL)
    GROUP BY document_id
),
credited AS (
    SELECT d.document_id, any_value(p.id) AS invoice_id, any_value(target) AS target
    FROM docs d, unnest(d.allocation_targets) AS u(target)
    LEFT JOIN staging.payments p
      ON p.id = json_extract_string(target, '$') AND p.document_type = 'invoice'
    WHERE d.document_type = 'creditNote'
    GROUP BY ALL
),
assembled AS (
    SELECT
        d.*,
        dl.entity,
        coalesce(s.net_total, 0)::DECIMAL(18, 2) AS net_total,
        coalesce(s.vat_total, 0)::DECIMAL(18, 2) AS vat_total,
        (d.sign * d.document_total)::DECIMAL(18, 2) AS total,
        c.invoice_id AS credited_document_id,
        s.lines_text,
        list_filter([
            CASE WHEN d.line_count IS NULL OR d.line_count = 0 THEN 'has no lines' END,
            CASE WHEN d.currency IS DISTINCT FROM 'SEK'
                 THEN 'currency ' || coalesce(d.currency, 'missing') || ': the books are kept in SEK' END,
            CASE WHEN NOT d.customer_staged
                 THEN 'customer ' || d.customer_type || ' ' || coalesce(d.customer_id, '(none)')
                      || ' is not in staging (quarantined or unknown): no Visma customer' END,
            dl.problem,
            CASE WHEN len(list_filter(s.line_entities, lambda e: e IS DISTINCT FROM dl.entity)) > 0
                 THEN 'lines belong to entities ' || array_to_string(list_sort(s.line_entities), ', ')
                      || ' but the document to ' || coalesce(dl.entity, '(none)') END,
            CASE WHEN s.ornd_net + s.ornd_vat IS DISTINCT FROM d.document_total
                 THEN 'lines net ' || coalesce(s.ornd_net::VARCHAR, '?') || ' + VAT '
                      || coalesce(s.ornd_vat::VARCHAR, '?') || ' = '
                      || coalesce((s.ornd_net + s.ornd_vat)::VARCHAR, '?')
                      || ', but OfficeRnD''s total is ' || coalesce(d.document_total::VARCHAR, 'missing') END,
            CASE WHEN v.mismatch IS NOT NULL THEN 'VAT per rate differs: ' || v.mismatch END,
            CASE WHEN d.document_type = 'creditNote' AND c.target IS NULL
                 THEN 'credit note allocated to no invoice: it has not taken effect in OfficeRnD' END,
            CASE WHEN d.document_type = 'creditNote' AND c.target IS NOT NULL AND c.invoice_id IS NULL
                 THEN 'credits invoice ' || json_extract_string(c.target, '$')
                      || ', which is not in staging (quarantined or unknown)' END
        ], lambda x: x IS NOT NULL) || coalesce(s.line_problems, []) AS hold_reasons
    FROM docs d
    LEFT JOIN doc_location dl USING (document_id)
    LEFT JOIN sums s USING (document_id)
    LEFT JOIN vat_by_rate v USING (document_id)
    LEFT JOIN credited c USING (document_id)
),
rounded AS (
    SELECT *,
           CASE WHEN $rounding = 'whole_krona' THEN round(total, 0) ELSE total END::DECIMAL(18, 2)
               AS posted_total
    FROM assembled
)
SELECT
    document_id, document_number, document_type,
    sha256(to_json(struct_pack(customer_id, customer_type, invoice_date, due_date, currency,
                               net_total, vat_total, total, posted_total, credited_document_id,
                               entity, document_location_id, hold_reasons))::VARCHAR
           || '\n' || coalesce(lines_text, '')) AS revision,
    customer_id, customer_type, invoice_date, due_date,
    document_location_id AS location, entity, currency,
    net_total, vat_total, total,
    (posted_total - total)::DECIMAL(18, 2) AS rounding,
    posted_total,
    credited_document_id,
    CASE WHEN len(hold_reasons) = 0 THEN 'ready' ELSE 'held' END AS status,
    hold_reasons,
    invoice_date AS business_date
FROM rounded
