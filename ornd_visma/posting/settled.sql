-- The documents of a business-date window that planning has nothing to do for: the row of
-- their current revision (key `<prefix>-<document id>-<first 12 of the revision>`, as
-- keys.outbox_key builds it) is confirmed in Visma, and every other row of theirs is done
-- with: superseded or skipped before it was sent, a confirmed reversal, or a confirmed
-- revision such a reversal cancels. Anything else (a row still sent, an open row to
-- supersede, a live older revision to reverse, no row yet) is planned row by row.
WITH docs AS (
    SELECT document_id, $prefix || '-' || document_id || '-' || left(revision, 12) AS current_key
    FROM core.documents
    WHERE business_date >= $start AND business_date < $end
),
reversed AS (
    SELECT DISTINCT o.reverses AS outbox_key
    FROM posting.outbox o JOIN docs d USING (document_id)
    WHERE o.kind = 'reversal' AND o.state = 'confirmed'
)
SELECT d.document_id
FROM docs d
JOIN posting.outbox o USING (document_id)
LEFT JOIN reversed r ON r.outbox_key = o.outbox_key
GROUP BY d.document_id, d.current_key
HAVING bool_or(o.outbox_key = d.current_key AND o.state = 'confirmed')
   AND bool_and(
       o.outbox_key = d.current_key
       OR o.state IN ('superseded', 'skipped')
       OR (o.state = 'confirmed' AND (o.kind = 'reversal' OR r.outbox_key IS NOT NULL))
   )
