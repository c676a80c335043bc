"""Staging and quarantine as plain functions on a DuckDB file (no Dagster)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb

from ornd_visma.officernd.collections import collection
from ornd_visma.warehouse.raw import ensure_raw, write_records
from ornd_visma.warehouse.staging import credit_notes_without_invoice, stage_fact_window
from tests.validation.test_validate import invoice, mixed

PAYMENTS = collection("payments")


def load(conn, records):
    ensure_raw(conn, PAYMENTS)
    write_records(conn, PAYMENTS, records, "run-1", datetime.now(UTC).replace(tzinfo=None))


def test_a_credit_note_of_a_quarantined_invoice_is_reported(tmp_path):
    bad_invoice = invoice("1" * 24, mixed(), currency="EUR")
    note = invoice(
        "2" * 24,
        mixed(),
        documentType="creditNote",
        number="CN-1",
        allocations=[{"target": "1" * 24, "amount": Decimal("3884.95")}],
    )
    good = invoice("3" * 24, mixed())
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    load(conn, [bad_invoice, note, good])
    staged = stage_fact_window(conn, PAYMENTS, date(2026, 9, 1), date(2026, 9, 2))
    assert (staged.valid, staged.quarantined_records) == (2, 1)
    assert credit_notes_without_invoice(conn) == [("2" * 24, "CN-1", "1" * 24)]


def test_rerunning_a_window_keeps_first_seen_and_changes_nothing(tmp_path):
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    load(conn, [invoice("1" * 24, mixed(), currency="EUR"), invoice("3" * 24, mixed())])
    stage_fact_window(conn, PAYMENTS, date(2026, 9, 1), date(2026, 9, 2))
    first = conn.execute("SELECT * FROM quarantine.payments").fetchall()
    staged = conn.execute("SELECT * FROM staging.payments").fetchall()
    stage_fact_window(conn, PAYMENTS, date(2026, 9, 1), date(2026, 9, 2))
    again = conn.execute("SELECT * FROM quarantine.payments").fetchall()
    assert conn.execute("SELECT * FROM staging.payments").fetchall() == staged
    assert len(again) == 1
    # Everything but last_seen is the same; first_seen survives the re-run.
    assert again[0][:-1] == first[0][:-1]
    assert again[0][1] == "currency_is_base" and again[0][5] == date(2026, 9, 1)


def test_an_amount_larger_than_the_first_thousand_fits(tmp_path):
    """DuckDB sizes a column of Decimal objects from a sample of its rows (every n-th): an
    amount between the sampled rows must not overflow that guess."""
    charges = collection("charges")
    records = [
        {
            "_id": f"{n:024x}",
            "amount": Decimal("138966.92") if n == 2501 else Decimal("1.00"),
            "currency": "SEK",
            "date": "2026-09-01T00:00:00.000Z",
            "status": "success",
            "payment": "a" * 24,
        }
        for n in range(5001)
    ]
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_raw(conn, charges)
    write_records(conn, charges, records, "run-1", datetime.now(UTC).replace(tzinfo=None))
    staged = stage_fact_window(conn, charges, date(2026, 9, 1), date(2026, 9, 2))
    assert (staged.valid, staged.quarantined_records) == (5001, 0)
    [(total, largest)] = conn.execute(
        "SELECT sum(amount), max(amount) FROM staging.charges"
    ).fetchall()
    # 5000 × 1.00 + 138 966.92 = 143 966.92
    assert (total, largest) == (Decimal("143966.92"), Decimal("138966.92"))
