"""Every payload is fitted where it enters the outbox, and the row says what changed."""

import duckdb

from ornd_visma.posting.outbox import Outbox, as_stored, ensure_schema

TAG = "[ornd V-deferred-main-2026-05-0123456789ab]"


def test_insert_fits_the_payload_and_records_what_changed():
    box = Outbox(duckdb.connect())
    stored = box.insert(
        "C-main-c1-1", kind="customer", entity="main", document_id="c1", revision="1",
        payload={"CustomerNumber": "c1", "Name": "Acme\r\nAB\u202e", "InvoicePostalCode": "1" * 12},
        state="pending",
    )  # fmt: skip
    assert stored == {"CustomerNumber": "c1", "Name": "Acme AB", "InvoicePostalCode": "1" * 10}
    row = box.get("C-main-c1-1")
    assert row.payload == stored
    assert row.text_changes == (
        "Name: control characters, line breaks or extra spaces removed; "
        "InvoicePostalCode: cut to 10 characters"
    )


def test_a_clean_payload_changes_nothing():
    box = Outbox(duckdb.connect())
    box.insert("V-x-1", kind="voucher", entity="main", document_id="x", revision="1",
               payload={"VoucherDate": "2026-05-31", "VoucherText": f"Periodisering {TAG}",
                        "Rows": []}, state="pending")  # fmt: skip
    assert box.get("V-x-1").text_changes is None


def test_set_payload_refits_and_redate_keeps_what_was_recorded():
    box = Outbox(duckdb.connect())
    row = {"AccountNumber": 3001, "TransactionText": "T" * 61, "DebitAmount": 1}
    body = {"VoucherDate": "2026-05-31", "VoucherText": f"Periodisering\t2026-05 {TAG}",
            "Rows": [row]}  # fmt: skip
    box.insert("V-x-1", kind="voucher", entity="main", document_id="x", revision="1",
               payload=body, state="pending")  # fmt: skip
    first = box.get("V-x-1").text_changes
    assert first == (
        "VoucherText: control characters, line breaks or extra spaces removed; "
        "Rows[0].TransactionText: cut to 60 characters"
    )
    box.redate("V-x-1", {**box.get("V-x-1").payload, "VoucherDate": "2026-06-01"})
    row = box.get("V-x-1")
    assert row.payload["VoucherDate"] == "2026-06-01" and row.text_changes == first
    box.set_payload("V-x-1", {**body, "VoucherText": f"Periodisering 2026-05 {TAG}"}, "voucher")
    assert box.get("V-x-1").text_changes == "Rows[0].TransactionText: cut to 60 characters"


def test_as_stored_is_what_a_row_holds():
    payload = {"Name": "A\x1bB", "IsActive": True}
    assert as_stored("customer", payload) == {"Name": "AB", "IsActive": True}


def test_an_older_outbox_gets_the_column():
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA posting")
    conn.execute(
        "CREATE TABLE posting.outbox (outbox_key VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, "
        "entity VARCHAR NOT NULL, document_id VARCHAR NOT NULL, document_number VARCHAR, "
        "revision VARCHAR NOT NULL, business_date DATE, location VARCHAR, "
        "amount DECIMAL(18, 2), payload VARCHAR NOT NULL, reverses VARCHAR, "
        "state VARCHAR NOT NULL, hold_reason VARCHAR, attempts INTEGER NOT NULL DEFAULT 0, "
        "visma_id VARCHAR, visma_voucher_id VARCHAR, visma_number VARCHAR, "
        "visma_draft_id VARCHAR, error_code INTEGER, error_message VARCHAR, "
        "created_at TIMESTAMP NOT NULL, first_sent_at TIMESTAMP, last_sent_at TIMESTAMP, "
        "confirmed_at TIMESTAMP, updated_at TIMESTAMP NOT NULL)"
    )
    conn.execute(
        "INSERT INTO posting.outbox (outbox_key, kind, entity, document_id, revision, payload, "
        "state, created_at, updated_at) VALUES ('L-a-1', 'ledger_item', 'main', 'a', '1', '{}', "
        "'confirmed', now(), now())"
    )
    ensure_schema(conn)
    row = Outbox(conn).get("L-a-1")
    assert row.state == "confirmed" and row.text_changes is None
