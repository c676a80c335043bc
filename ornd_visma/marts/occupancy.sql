-- Desk occupancy per day and per month: marts.occupancy_daily, marts.occupancy_monthly.
-- Variables (set by occupancy.py): marts_as_of DATE, marts_hotdesk_coefficient DECIMAL,
-- marts_default_primary VARCHAR[]; marts_occupancy_from DATE (set by build.py, the first of a
-- month): the days and months from it on are written again, those before kept (horizon.py).
-- The conventions are in occupancy.py's docstring.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TEMP TABLE _primary_types AS
SELECT type, bool_or(coalesce(
    try_cast(json_extract(payload, '$.isPrimary') AS BOOLEAN),
    list_contains(getvariable('marts_default_primary'), type)
)) AS is_primary
FROM staging.resource_types GROUP BY type;

-- Primary resources with the days they can be let.
CREATE OR REPLACE TEMP TABLE _resources AS
SELECT
    r.id AS resource, r.type AS resource_type, r.location, r.floor,
    coalesce(r.desks_count, 0) AS desks,
    coalesce(try_cast(left(json_extract_string(r.payload, '$.availability.startDate'), 10) AS DATE),
             DATE '1900-01-01') AS available_from,
    coalesce(try_cast(left(json_extract_string(r.payload, '$.availability.endDate'), 10) AS DATE),
             DATE '9999-12-31') AS available_to
FROM staging.resources AS r
LEFT JOIN _primary_types AS t ON t.type = r.type
WHERE coalesce(t.is_primary, list_contains(getvariable('marts_default_primary'), r.type));

-- Memberships that hold something (approved, recurring or not).
CREATE OR REPLACE TEMP TABLE _held AS
SELECT m.id AS membership, m.location, m.start_date, m.end_date, p.type AS plan_type,
       coalesce(json_extract_string(m.payload, '$.intervalLength'), p.interval_length)
           AS interval_length
FROM staging.memberships AS m
LEFT JOIN staging.plans AS p ON p.id = m.plan
WHERE coalesce(m.status, 'approved') <> 'not_approved'
  AND coalesce(m.calculated_status, '') <> 'not_approved';

-- A resource is occupied on a day when an assignment covers it and its membership is live.
CREATE OR REPLACE TEMP TABLE _occupied_spans AS
SELECT a.resource,
       greatest(a.start_date, h.start_date) AS start_date,
       least(coalesce(a.end_date, DATE '9999-12-31'), coalesce(h.end_date, DATE '9999-12-31'))
           AS end_date
FROM staging.assignments AS a
JOIN _held AS h ON h.membership = a.membership;

-- Hot-desk members: a live membership assigned to a hot-desk area (on the area's floor, for
-- the days of the assignment), and a recurring hot-desk membership without any assignment (on
-- the floor of the location's hot-desk area when it has one floor). Occupied hot desks are
-- their count ÷ the coefficient.
CREATE OR REPLACE TEMP TABLE _hotdesk_floor AS
SELECT location, CASE WHEN count(DISTINCT floor) = 1 THEN any_value(floor) END AS floor
FROM _resources WHERE resource_type = 'hotdesk' GROUP BY location;

CREATE OR REPLACE TEMP TABLE _hotdesk_spans AS
SELECT h.membership, r.location, r.floor,
       greatest(a.start_date, h.start_date) AS start_date,
       least(coalesce(a.end_date, DATE '9999-12-31'), coalesce(h.end_date, DATE '9999-12-31'))
           AS end_date
FROM staging.assignments AS a
JOIN _held AS h ON h.membership = a.membership
JOIN _resources AS r ON r.resource = a.resource AND r.resource_type = 'hotdesk'
UNION ALL
SELECT h.membership, h.location, hf.floor, h.start_date,
       coalesce(h.end_date, DATE '9999-12-31') AS end_date
FROM _held AS h
LEFT JOIN _hotdesk_floor AS hf ON hf.location = h.location
WHERE h.plan_type = 'hotdesk' AND h.interval_length = 'month'
  AND NOT EXISTS (SELECT 1 FROM staging.assignments AS a WHERE a.membership = h.membership);

-- The days written: from the month of the first occupied day (or marts_occupancy_from) on.
CREATE OR REPLACE TEMP TABLE _days AS
SELECT day FROM (
    SELECT unnest(generate_series(
        (SELECT date_trunc('month', min(d))::DATE FROM (
            SELECT min(start_date) AS d FROM _occupied_spans
            UNION ALL SELECT min(start_date) FROM _hotdesk_spans
        )),
        getvariable('marts_as_of'),
        INTERVAL 1 DAY
    ))::DATE AS day
)
WHERE day >= getvariable('marts_occupancy_from');

CREATE OR REPLACE TEMP TABLE _groups AS
SELECT DISTINCT location, floor, resource_type FROM _resources
UNION
SELECT DISTINCT location, floor, 'hotdesk' FROM _hotdesk_spans;

CREATE OR REPLACE TEMP TABLE _occupancy_daily AS
WITH available AS (
    SELECT d.day, r.location, r.floor, r.resource_type,
           count(*)::INTEGER AS resources_available, sum(r.desks)::INTEGER AS desks_available
    FROM _days AS d
    JOIN _resources AS r ON d.day BETWEEN r.available_from AND r.available_to
    GROUP BY ALL
),
-- one resource held by two overlapping memberships is still one occupied resource
occupied_once AS (
    SELECT day, location, floor, resource_type,
           count(DISTINCT resource)::INTEGER AS resources_occupied,
           sum(desks)::INTEGER AS assigned_desks
    FROM (
        SELECT DISTINCT d.day, r.location, r.floor, r.resource_type, r.resource, r.desks
        FROM _days AS d
        JOIN _occupied_spans AS s ON d.day BETWEEN s.start_date AND s.end_date
        JOIN _resources AS r ON r.resource = s.resource
        WHERE r.resource_type <> 'hotdesk'
    )
    GROUP BY ALL
),
-- a member assigned to two hot-desk areas of one floor on a day is one member there
hot AS (
    SELECT d.day, hs.location, hs.floor, 'hotdesk' AS resource_type,
           count(DISTINCT hs.membership)::INTEGER AS hotdesk_memberships
    FROM _days AS d
    JOIN _hotdesk_spans AS hs ON d.day BETWEEN hs.start_date AND hs.end_date
    GROUP BY ALL
),
checkins AS (
    SELECT c."start"::DATE AS day, c.location, hf.floor, 'hotdesk' AS resource_type,
           count(*)::INTEGER AS checkins
    FROM staging.checkins AS c
    LEFT JOIN _hotdesk_floor AS hf ON hf.location = c.location
    WHERE coalesce(c.resource_type, 'hotdesk') = 'hotdesk'
      AND c."start"::DATE >= getvariable('marts_occupancy_from')
    GROUP BY ALL
),
joined AS (
    SELECT
        d.day AS date, g.location, g.floor, g.resource_type,
        coalesce(a.resources_available, 0) AS resources_available,
        coalesce(o.resources_occupied, 0) AS resources_occupied,
        coalesce(a.desks_available, 0) AS desks_available,
        coalesce(h.hotdesk_memberships, 0) AS hotdesk_memberships,
        coalesce(ci.checkins, 0) AS checkins,
        CASE WHEN g.resource_type = 'hotdesk'
            THEN ratio_div(coalesce(h.hotdesk_memberships, 0), getvariable('marts_hotdesk_coefficient'))
            ELSE coalesce(o.assigned_desks, 0)
        END::DECIMAL(18, 6) AS desks_occupied
    FROM _days AS d
    CROSS JOIN _groups AS g
    LEFT JOIN available AS a
      ON a.day = d.day AND a.location = g.location
     AND a.floor IS NOT DISTINCT FROM g.floor AND a.resource_type = g.resource_type
    LEFT JOIN occupied_once AS o
      ON o.day = d.day AND o.location = g.location
     AND o.floor IS NOT DISTINCT FROM g.floor AND o.resource_type = g.resource_type
    LEFT JOIN hot AS h
      ON h.day = d.day AND h.location = g.location
     AND h.floor IS NOT DISTINCT FROM g.floor AND h.resource_type = g.resource_type
    LEFT JOIN checkins AS ci
      ON ci.day = d.day AND ci.location = g.location
     AND ci.floor IS NOT DISTINCT FROM g.floor AND ci.resource_type = g.resource_type
)
SELECT
    j.date, j.location, l.name AS location_name, j.floor, f.name AS floor_name,
    j.resource_type, j.resources_available, j.resources_occupied, j.desks_available,
    j.desks_occupied, j.hotdesk_memberships, j.checkins,
    ratio_div(j.desks_occupied, j.desks_available) AS occupancy
FROM joined AS j
LEFT JOIN staging.locations AS l ON l.id = j.location
LEFT JOIN staging.floors AS f ON f.id = j.floor
ORDER BY j.date, j.location, j.floor NULLS LAST, j.resource_type;

CREATE TABLE IF NOT EXISTS marts.occupancy_daily AS FROM _occupancy_daily LIMIT 0;
DELETE FROM marts.occupancy_daily WHERE date >= getvariable('marts_occupancy_from');
INSERT INTO marts.occupancy_daily FROM _occupancy_daily;

CREATE OR REPLACE TEMP TABLE _occupancy_monthly AS
WITH months AS (
    SELECT date_trunc('month', day)::DATE AS month, count(*)::INTEGER AS days
    FROM _days GROUP BY ALL
),
sums AS (
    SELECT date_trunc('month', date)::DATE AS month, location, floor, resource_type,
           any_value(location_name) AS location_name, any_value(floor_name) AS floor_name,
           sum(desks_occupied) AS occupied_desk_days, sum(desks_available) AS available_desk_days
    FROM _occupancy_daily GROUP BY ALL
)
SELECT
    s.month, s.location, s.location_name, s.floor, s.floor_name, s.resource_type,
    m.days,
    ratio_div(s.occupied_desk_days, m.days)::DECIMAL(18, 6) AS desks_occupied_prorated,
    ratio_div(s.available_desk_days, m.days)::DECIMAL(18, 6) AS desks_available_prorated,
    ratio_div(s.occupied_desk_days, s.available_desk_days) AS occupancy_prorated,
    bom.desks_occupied AS desks_occupied_start_of_month,
    bom.desks_available AS desks_available_start_of_month,
    bom.occupancy AS occupancy_start_of_month
FROM sums AS s
JOIN months AS m USING (month)
LEFT JOIN _occupancy_daily AS bom
  ON bom.date = s.month AND bom.location = s.location
 AND bom.floor IS NOT DISTINCT FROM s.floor AND bom.resource_type = s.resource_type
ORDER BY s.month, s.location, s.floor NULLS LAST, s.resource_type;

CREATE TABLE IF NOT EXISTS marts.occupancy_monthly AS FROM _occupancy_monthly LIMIT 0;
DELETE FROM marts.occupancy_monthly WHERE month >= getvariable('marts_occupancy_from');
INSERT INTO marts.occupancy_monthly FROM _occupancy_monthly;
