-- The documents whose VAT the check of the VAT return sets aside on both sides, with why:
-- a ready document whose current revision Visma does not hold (held, failed, pending, sent,
-- never planned), and any document with a ledger item, invoice or reversal still open in the
-- outbox (a correction half-way, a refused reversal, a voided document not reversed yet).
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
candidates AS (
    SELECT * FROM current_revision WHERE state IS DISTINCT FROM 'confirmed'
    UNION ALL
    SELECT * FROM open_rows
)
SELECT document_id,
       any_value(document_number) AS document_number,
       string_agg(DISTINCT coalesce(state, 'not planned'), ', ' ORDER BY coalesce(state, 'not planned'))
           AS state,
       string_agg(DISTINCT coalesce(error_message, hold_reason), '; ') AS reason
FROM candidates
GROUP BY document_id;
