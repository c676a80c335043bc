SELECT
    l.document_id, l.line_no, l.description, l.quantity, l.net_amount, l.vat_percent,
    l.vat_amount, l.vat_treatment, l.account, l.article, l.vat_code, l.vat_account,
    l.cost_center_item_1, l.cost_center_item_2, l.location
FROM core.invoice_lines l
WHERE l.business_date >= $start AND l.business_date < $end
ORDER BY l.document_id, l.line_no
