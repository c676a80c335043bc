-- OfficeRnD's and the warehouse's totals per business day, location and VAT rate, and each
-- document's, for the window [$start, $end). OfficeRnD's come straight from the payments'
-- JSON (line subTotal, taxAmount, taxPercent, credit notes negated), independent of the
-- books, the warehouse's from core.invoice_lines. Location: the document's.
CREATE OR REPLACE TEMP TABLE recon_officernd AS
WITH docs AS (
    SELECT p.id AS document_id, p.business_date, p.location,
           CASE WHEN p.document_type = 'creditNote' THEN -1 ELSE 1 END AS sign,
           json_extract(p.payload, '$.lines[*]') AS line_list
    FROM staging.payments p
    WHERE p.business_date >= $start AND p.business_date < $end
      AND p.document_type IN ('invoice', 'creditNote')
      AND p.status NOT IN ('voided', 'draft')
),
lines AS (SELECT d.*, unnest(d.line_list) AS line FROM docs d)
SELECT document_id, business_date, location,
       coalesce(json_extract_string(line, '$.taxPercent'), '0')::DECIMAL(5, 2) AS vat_percent,
       sum(sign * json_extract_string(line, '$.subTotal')::DECIMAL(18, 2)) AS net,
       sum(sign * coalesce(json_extract_string(line, '$.taxAmount'), '0')::DECIMAL(18, 2))
           AS vat
FROM lines
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE recon_warehouse AS
SELECT l.document_id, d.business_date, d.location, l.vat_percent,
       sum(l.net_amount) AS net, sum(l.vat_amount) AS vat
FROM core.invoice_lines l
JOIN core.documents d USING (document_id)
WHERE d.business_date >= $start AND d.business_date < $end
GROUP BY ALL;
