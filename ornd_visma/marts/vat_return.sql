-- The VAT return: marts.vat_return_monthly, one row per entity, month and momsdeklaration
-- box the books touch. Reads _vat_parts (vat_parts.sql) and _vat_box_names (vat_return.py);
-- declared_kronor() is lent by ornd_visma/marts/functions.py (whole kronor, öre dropped).
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TABLE marts.vat_return_monthly AS
WITH boxes AS (
    SELECT entity, month, box,
           sum(amount)::DECIMAL(18, 2) AS amount,
           list(DISTINCT vat_code ORDER BY vat_code) AS vat_codes,
           count(DISTINCT document_id) AS documents,
           count(*) AS lines
    FROM _vat_parts
    GROUP BY entity, month, box
)
SELECT b.entity, b.month, b.box, n.name AS box_name, n.kind, b.amount,
       declared_kronor(b.amount) AS declared, b.vat_codes, b.documents, b.lines
FROM boxes AS b
JOIN _vat_box_names AS n USING (box)
ORDER BY b.entity, b.month, b.box;
