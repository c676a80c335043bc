-- Each source line with its mapping (books_keys), location and floor resolved, signed from the
-- operator's revenue side (credit notes negative), and what keeps it from being booked.
CREATE OR REPLACE TEMP TABLE books_lines AS
WITH resolved AS (
    SELECT
        s.*,
        CASE WHEN s.document_type = 'creditNote' THEN -1 ELSE 1 END AS sign,
        k.fee_kind, k.account, k.article, k.revenue_class, k.recognition, k.vat_code,
        k.vat_percent AS mapped_percent, k.vat_account, k.vat_treatment,
        k.problems AS key_problems,
        loc.entity, loc.cost_center_item AS cost_center_item_1, loc.problem AS location_problem,
        fm.cost_center_item AS cost_center_item_2
    FROM books_source s
    LEFT JOIN books_keys k
      ON k.revenue_account_id IS NOT DISTINCT FROM s.revenue_account_id
     AND k.plan_id IS NOT DISTINCT FROM s.plan_id
     AND k.plan_is_resource_rate IS NOT DISTINCT FROM s.plan_is_resource_rate
     AND k.fee_plan_type IS NOT DISTINCT FROM s.fee_plan_type
     AND k.fee_is_refundable IS NOT DISTINCT FROM s.fee_is_refundable
     AND k.has_membership = (s.membership_id IS NOT NULL)
     AND k.tax_rate_id IS NOT DISTINCT FROM s.tax_rate_id
     AND k.customer_country IS NOT DISTINCT FROM s.customer_country
     AND k.customer_vat_number IS NOT DISTINCT FROM s.customer_vat_number
    LEFT JOIN books_locations loc ON loc.location_id = s.location_id
    LEFT JOIN books_floors fm ON fm.floor_id = s.floor_id
    WHERE s.line_no IS NOT NULL
)
SELECT
    r.*,
    r.sign * (CASE WHEN r.tax_type = 'included' THEN r.line_total - r.tax_amount
                   ELSE r.sub_total END)::DECIMAL(18, 2) AS net_amount,
    r.sign * r.tax_amount AS vat_amount,
    list_filter(
        list_concat(
            r.key_problems,
            [r.location_problem,
             CASE WHEN r.sub_total IS NULL OR r.tax_amount IS NULL
                  THEN 'has no subTotal or taxAmount' END,
             CASE WHEN r.mapped_percent IS NOT NULL AND r.tax_percent IS DISTINCT FROM r.mapped_percent
                  THEN 'taxPercent ' || coalesce(r.tax_percent::VARCHAR, 'missing')
                       || ' but the mapping has ' || r.mapped_percent || ' % for tax rate '
                       || coalesce(r.tax_rate_code, r.tax_rate_id) END,
             CASE WHEN r.service_end < r.service_start
                  THEN 'service period ends ' || r.service_end || ' before it starts '
                       || r.service_start END]
        ),
        lambda x: x IS NOT NULL
    ) AS problems
FROM resolved r
