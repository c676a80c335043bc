-- The posting schema: what we owe Visma, what we sent, what it holds.
CREATE SCHEMA IF NOT EXISTS posting;

-- One row per document revision (or customer version, or voucher) to post, with its state:
--   would_post  computed by a dry run, nothing sent (a real run treats it as pending)
--   pending     to send
--   sent        the request is (or was) on its way: the outcome is unknown until Visma is asked
--   confirmed   Visma holds it (visma_id)
--   failed      Visma refused it (error_code, error_message); retried on the next run
--   held        not sent, for hold_reason (core hold, `ornd-visma hold`, change after posting)
--   superseded  replaced by a newer revision before it was ever sent
--   skipped     nothing to book (all amounts zero)
CREATE TABLE IF NOT EXISTS posting.outbox (
    outbox_key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,          -- customer, ledger_item, invoice, reversal, voucher
    entity VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,   -- OfficeRnD payment/company/member id, or the voucher's id
    document_number VARCHAR,
    revision VARCHAR NOT NULL,
    business_date DATE,
    location VARCHAR,
    amount DECIMAL(18, 2),          -- the receivable (ledger item total) or voucher total
    payload VARCHAR NOT NULL,       -- JSON as built by posting.payloads (names, not Visma ids)
    reverses VARCHAR,               -- for a reversal: the outbox key it negates
    state VARCHAR NOT NULL,
    hold_reason VARCHAR,
    attempts INTEGER NOT NULL DEFAULT 0,
    visma_id VARCHAR,
    visma_voucher_id VARCHAR,
    visma_number VARCHAR,
    visma_draft_id VARCHAR,
    error_code INTEGER,
    error_message VARCHAR,
    created_at TIMESTAMP NOT NULL,
    first_sent_at TIMESTAMP,
    last_sent_at TIMESTAMP,
    confirmed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

-- Every HTTP request sent to Visma, when, and its result (never a token or a body).
CREATE TABLE IF NOT EXISTS posting.audit (
    sent_at TIMESTAMP NOT NULL,
    entity VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    endpoint VARCHAR NOT NULL,
    status INTEGER,                 -- NULL: no answer (timeout, dropped connection)
    outcome VARCHAR NOT NULL,
    error_code INTEGER,
    message VARCHAR,
    error_id VARCHAR,
    elapsed_ms DOUBLE,
    outbox_key VARCHAR,
    visma_id VARCHAR,
    run_id VARCHAR
);

-- Documents held by hand (`ornd-visma hold`), until `ornd-visma release`.
CREATE TABLE IF NOT EXISTS posting.holds (
    document_id VARCHAR PRIMARY KEY,
    reason VARCHAR NOT NULL,
    held_at TIMESTAMP NOT NULL
);

-- Documents changed after posting that `on_change: hold` keeps for review; `release`
-- corrects them.
CREATE TABLE IF NOT EXISTS posting.releases (
    document_id VARCHAR PRIMARY KEY,
    released_at TIMESTAMP NOT NULL
);

-- The voucher numbers `ornd-visma export-sie` gave (ornd_visma/posting/sie_numbers.py): a
-- voucher keeps its number in every later export of the same series; a new one gets the next
-- number of its fiscal year and series. A number is never given twice, not even once its
-- voucher is superseded.
CREATE TABLE IF NOT EXISTS posting.sie_numbers (
    outbox_key VARCHAR NOT NULL,
    series VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    fiscal_year_start DATE NOT NULL,
    fiscal_year_end DATE NOT NULL,
    number INTEGER NOT NULL,
    voucher_date DATE NOT NULL,
    numbered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (outbox_key, series),
    UNIQUE (entity, series, fiscal_year_start, number)
);

-- Columns added after the first release, for warehouses whose outbox is older.
-- What `posting/fit.py` changed in the payload on its way in (control characters removed,
-- text cut to Visma's maxLength), one line per field, `; `-separated; NULL: nothing.
ALTER TABLE posting.outbox ADD COLUMN IF NOT EXISTS text_changes VARCHAR;
