-- Occupancy-driven margin: marts.margin_monthly. Reads marts.revenue_monthly (location rows),
-- _location_cost_centers and _costs (set up by margin.py). Variables: marts_costs_read
-- BOOLEAN, marts_unavailable_reason VARCHAR.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TABLE marts.margin_monthly AS
WITH locations AS (
    SELECT l.id AS location, l.code, cc.cost_center_item
    FROM staging.locations AS l
    LEFT JOIN _location_cost_centers AS cc ON cc.location_key IN (l.code, l.id)
),
base AS (
    SELECT
        r.month, r.location, r.location_name, loc.cost_center_item, r.revenue, r.desk_revenue,
        r.desks_occupied_prorated, r.desks_available_prorated, r.revenue_per_occupied_desk,
        c.amount AS costs, c.rows AS cost_rows,
        CASE
            WHEN NOT getvariable('marts_costs_read') THEN getvariable('marts_unavailable_reason')
            WHEN loc.cost_center_item IS NULL
                THEN 'location ' || coalesce(loc.code, r.location)
                     || ' has no cost_center_item in the mapping'
            WHEN c.amount IS NULL
                THEN 'no costs booked in Visma on cost center ' || loc.cost_center_item
                     || ' in ' || strftime(r.month, '%Y-%m')
        END AS not_available_reason
    FROM marts.revenue_monthly AS r
    LEFT JOIN locations AS loc ON loc.location = r.location
    LEFT JOIN _costs AS c ON c.month = r.month AND c.cost_center_item = loc.cost_center_item
    WHERE r.level = 'location'
)
SELECT
    month, location, location_name, cost_center_item, revenue, desk_revenue,
    desks_occupied_prorated, desks_available_prorated,
    ratio_div(desks_occupied_prorated, desks_available_prorated) AS occupancy_prorated,
    not_available_reason IS NULL AS costs_available,
    not_available_reason,
    CASE WHEN not_available_reason IS NULL THEN costs END::DECIMAL(18, 2) AS costs,
    CASE WHEN not_available_reason IS NULL THEN revenue - costs END::DECIMAL(18, 2) AS margin,
    CASE WHEN not_available_reason IS NULL THEN ratio_div(revenue - costs, revenue) END
        AS margin_rate,
    CASE WHEN not_available_reason IS NULL
        THEN money_div(revenue - costs, desks_occupied_prorated) END AS margin_per_occupied_desk,
    CASE WHEN not_available_reason IS NULL
        THEN money_div(costs, desks_available_prorated) END AS cost_per_available_desk,
    -- the occupancy at which desk revenue, at this month's rate per occupied desk, pays the
    -- costs: costs ÷ (revenue per occupied desk × available desks)
    CASE WHEN not_available_reason IS NULL
        THEN ratio_div(costs, revenue_per_occupied_desk * desks_available_prorated) END
        AS break_even_occupancy
FROM base
ORDER BY month, location;
