-- The documents of a business-date window with their customer's name and entity.
SELECT
    d.document_id, d.document_number, d.document_type, d.revision, d.customer_id,
    d.customer_type, d.invoice_date, d.due_date, d.location, d.entity, d.currency,
    d.net_total, d.vat_total, d.total, d.rounding, d.posted_total, d.credited_document_id,
    d.status, d.hold_reasons, d.business_date,
    coalesce(c.name, m.name, d.customer_id) AS customer_name
FROM core.documents d
LEFT JOIN staging.companies c ON d.customer_type = 'company' AND c.id = d.customer_id
LEFT JOIN staging.members m ON d.customer_type = 'member' AND m.id = d.customer_id
WHERE d.business_date >= $start AND d.business_date < $end
ORDER BY d.business_date, d.document_number, d.document_id
