-- The landing layer and the extraction state. {table} is filled in per collection.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.extract_state (
    collection   VARCHAR PRIMARY KEY,
    watermark    VARCHAR,          -- modifiedAt to pull from next time (incremental only)
    mode         VARCHAR NOT NULL, -- 'incremental' or 'full'
    last_run_id  VARCHAR NOT NULL,
    last_run_at  TIMESTAMP NOT NULL,
    records      BIGINT NOT NULL,  -- records received in the last run
    requests     BIGINT NOT NULL,  -- API requests made in the last run
    last_full_at TIMESTAMP         -- when the collection was last pulled in full (deletions)
);
-- Business dates whose facts changed in OfficeRnD and are not yet re-validated: the late
-- changes the `late_changes` sensor turns into runs of the fact partitions.
CREATE TABLE IF NOT EXISTS meta.touched_partitions (
    collection    VARCHAR NOT NULL,
    business_date DATE NOT NULL,
    noted_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (collection, business_date)
);
