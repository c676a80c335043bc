-- What each ready invoice line adds to the momsdeklaration (ornd_visma/vat/boxes.py): its
-- net to the base box of its Visma VAT code, its VAT to the code's VAT box; in the month of
-- its invoice date (faktureringsmetoden), for its entity. Only a line on a revenue account
-- (BAS class 3, as core.revenue_schedule) has a base: a refundable deposit on 2420 is no
-- sale, and Visma gives 2420 no VAT code. Reads _vat_lines and _vat_boxes (vat_return.py).
CREATE OR REPLACE TEMP TABLE _vat_parts AS
WITH lines AS (
    SELECT l.entity, l.document_id, l.account, l.vat_code, l.net_amount, l.vat_amount,
           date_trunc('month', l.invoice_date)::DATE AS month, b.base_box, b.vat_box
    FROM _vat_lines AS l
    JOIN _vat_boxes AS b
      ON b.vat_code IS NOT DISTINCT FROM l.vat_code
     AND b.vat_treatment IS NOT DISTINCT FROM l.vat_treatment
     AND b.vat_percent IS NOT DISTINCT FROM l.vat_percent
)
SELECT entity, month, document_id, vat_code, base_box AS box, net_amount AS amount
FROM lines
WHERE base_box IS NOT NULL AND account BETWEEN 3000 AND 3999
UNION ALL
SELECT entity, month, document_id, vat_code, vat_box AS box, vat_amount AS amount
FROM lines
WHERE vat_box IS NOT NULL;
