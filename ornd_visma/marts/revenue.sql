-- Recognised revenue by day and month: marts.revenue_daily, marts.revenue_monthly.
-- Reads _revenue_source (core.revenue_schedule, set up by revenue.py) and
-- marts.occupancy_monthly. Variable: marts_desk_classes VARCHAR[].
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TABLE marts.revenue_daily AS
SELECT
    rs.service_date AS date,
    rs.location,
    any_value(l.name) AS location_name,
    coalesce(f.id, rs.floor) AS floor,
    any_value(f.name) AS floor_name,
    rs.revenue_class,
    sum(rs.amount)::DECIMAL(18, 2) AS amount,
    count(DISTINCT (rs.document_id, rs.line_no))::INTEGER AS lines
FROM _revenue_source AS rs
LEFT JOIN staging.locations AS l ON l.id = rs.location
-- the contract's `floor` is OfficeRnD's floor: matched by id, or by name within the location
LEFT JOIN staging.floors AS f
  ON f.location = rs.location AND (f.id = rs.floor OR f.name = rs.floor)
GROUP BY rs.service_date, rs.location, coalesce(f.id, rs.floor), rs.revenue_class
ORDER BY 1, 2, 4 NULLS LAST, 6;

CREATE OR REPLACE TEMP TABLE _floor_area AS
SELECT f.location, f.id AS floor,
       coalesce(f.area_m2, (
           SELECT sum(r.area_mm2) / 1000000 FROM staging.resources AS r WHERE r.floor = f.id
       ))::DECIMAL(18, 4) AS area_m2
FROM staging.floors AS f;

CREATE OR REPLACE TABLE marts.revenue_monthly AS
WITH revenue AS (
    SELECT
        CASE WHEN GROUPING(floor) = 1 THEN 'location' ELSE 'floor' END AS level,
        date_trunc('month', date)::DATE AS month, location, floor,
        sum(amount)::DECIMAL(18, 2) AS revenue,
        coalesce(sum(amount) FILTER (
            WHERE list_contains(getvariable('marts_desk_classes'), revenue_class)
        ), 0)::DECIMAL(18, 2) AS desk_revenue
    FROM marts.revenue_daily
    GROUP BY GROUPING SETS ((date_trunc('month', date), location, floor),
                            (date_trunc('month', date), location))
),
desks AS (
    SELECT
        CASE WHEN GROUPING(floor) = 1 THEN 'location' ELSE 'floor' END AS level,
        month, location, floor,
        sum(desks_occupied_prorated)::DECIMAL(18, 6) AS desks_occupied,
        sum(desks_available_prorated)::DECIMAL(18, 6) AS desks_available
    FROM marts.occupancy_monthly
    GROUP BY GROUPING SETS ((month, location, floor), (month, location))
),
area AS (
    SELECT 'floor' AS level, location, floor, area_m2 FROM _floor_area
    UNION ALL
    SELECT 'location', location, NULL, sum(area_m2)::DECIMAL(18, 4) FROM _floor_area
    GROUP BY location
),
joined AS (
    SELECT
        coalesce(r.level, d.level) AS level,
        coalesce(r.month, d.month) AS month,
        coalesce(r.location, d.location) AS location,
        coalesce(r.floor, d.floor) AS floor,
        coalesce(r.revenue, 0)::DECIMAL(18, 2) AS revenue,
        coalesce(r.desk_revenue, 0)::DECIMAL(18, 2) AS desk_revenue,
        d.desks_occupied, d.desks_available
    FROM revenue AS r
    FULL OUTER JOIN desks AS d
      ON d.level = r.level AND d.month = r.month AND d.location = r.location
     AND d.floor IS NOT DISTINCT FROM r.floor
)
SELECT
    j.level, j.month, j.location, l.name AS location_name, j.floor, f.name AS floor_name,
    j.revenue, j.desk_revenue, a.area_m2 AS usable_area_m2,
    money_div(j.revenue, a.area_m2) AS revenue_per_m2,
    j.desks_occupied AS desks_occupied_prorated,
    j.desks_available AS desks_available_prorated,
    money_div(j.desk_revenue, j.desks_occupied) AS revenue_per_occupied_desk,
    money_div(j.desk_revenue, j.desks_available) AS revenue_per_available_desk
FROM joined AS j
-- only the months the books cover: before the first service month there is no revenue data,
-- which is not the same as no revenue
JOIN (SELECT date_trunc('month', min(date)) AS first_month,
             date_trunc('month', max(date)) AS last_month FROM marts.revenue_daily) AS span
  ON j.month BETWEEN span.first_month AND span.last_month
LEFT JOIN area AS a
  ON a.level = j.level AND a.location = j.location AND a.floor IS NOT DISTINCT FROM j.floor
LEFT JOIN staging.locations AS l ON l.id = j.location
LEFT JOIN staging.floors AS f ON f.id = j.floor
ORDER BY j.month, j.location, j.level, j.floor NULLS LAST;
