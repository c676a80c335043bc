-- The documents whose VAT the check of the VAT return sets aside on both sides, with why:
-- a ready document whose current revision Visma does not hold (held, failed, pending, sent,
-- never planned), and any document with a ledger item, invoice or reversal still open in the
-- outbox (a correction half-way, a refused reversal, a voided document not reversed yet), and
-- any document of which Visma holds something booked in another month than the document's
-- (its month was locked, posting/dating.py): that VAT is in a later return, not its month's.
-- Reads _vat_outbox (posting.outbox, or an empty stand-in) and core.documents.
CREATE OR REPLACE TEMP TABLE _vat_unsettled AS
WITH current_revision AS (
    SELECT d.document_id, d.document_number, o.state, o.error_message, o.hold_reason
    FROM core.documents AS d
    LEFT JOIN _vat_outbox AS o
           ON o.document_id = d.document_id AND o.revision = d.revision
          AND o.kind IN ('ledger_item', 'invoice')
    WHERE d.status = 'ready'
),
open_rows AS (
    SELECT document_id, document_number, state, error_message, hold_reason
    FROM _vat_outbox
    WHERE kind IN ('ledger_item', 'invoice', 'reversal')
      AND state IN ('pending', 'would_post', 'sent', 'failed', 'held')
),
booked_later AS (
    SELECT document_id, document_number, state, NULL AS error_message,
           'booked on ' || booked || ', after Visma''s lock of its month: in that month''s '
               || 'return' AS hold_reason
    FROM (
        SELECT *, coalesce(json_extract_string(payload, '$.Voucher.VoucherDate'),
                           json_extract_string(payload, '$.InvoiceDate'))[:10] AS booked
        FROM _vat_outbox
        WHERE kind IN ('ledger_item', 'invoice', 'reversal') AND state = 'confirmed'
    )
    WHERE date_trunc('month', TRY_CAST(booked AS DATE)) <> date_trunc('month', business_date)
),
candidates AS (
    SELECT * FROM current_revision WHERE state IS DISTINCT FROM 'confirmed'
    UNION ALL
    SELECT * FROM open_rows
    UNION ALL
    SELECT * FROM booked_later
)
SELECT document_id,
       any_value(document_number) AS document_number,
       string_agg(DISTINCT coalesce(state, 'not planned'), ', ' ORDER BY coalesce(state, 'not planned'))
           AS state,
       string_agg(DISTINCT coalesce(error_message, hold_reason), '; ') AS reason
FROM candidates
GROUP BY document_id;
