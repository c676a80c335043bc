"""Text that leaves the product is clean: whatever OfficeRnD's names and texts hold, what the
simulated Visma stores has no control character, line break, tab or bidi mark and fits each
field's maxLength, and the outbox row says what was changed."""

import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import inspect_state
from tests.posting.books import Books, Line
from tests.posting.conftest import make_client
from tests.posting.test_modes import invoice_mapping, make_articles

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
HOSTILE = "Acme\r\nAB\t\x00\x1b[31m\u202eevil\u202c\u200b"
# maxLength of the fields we send, from Visma's OpenAPI document
CUSTOMER_MAX = {"Name": 50, "InvoiceAddress1": 50, "InvoiceCity": 50, "InvoicePostalCode": 10,
                "EmailAddress": 255, "CorporateIdentityNumber": 20, "Note": 4000}  # fmt: skip
VOUCHER_TEXT_MAX, TRANSACTION_TEXT_MAX, ROW_TEXT_MAX = 1000, 60, 2000


def dirty(value: Any, path: str = "") -> list[str]:
    """Every string in `value` holding a control, format (bidi, zero-width) or line-break
    character, or a tab, by path."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in dirty(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in dirty(v, f"{path}[{i}]")]
    if isinstance(value, str) and any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value
    ):
        return [path]
    return []


@pytest.fixture
def books(tmp_path):
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    yield Books(conn)
    conn.close()


def text_changes(books, kind: str) -> list[str]:
    return [
        c
        for (c,) in books.conn.execute(
            "SELECT text_changes FROM posting.outbox WHERE kind = ? ORDER BY outbox_key", [kind]
        ).fetchall()
    ]


def test_a_ledger_item_and_its_reversal_carry_a_clean_voucher_text(books, sim, tmp_path):
    books.company("c1", HOSTILE)  # the staging name is the voucher text's customer name
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    mapping = load_mapping(SANDBOX_MAPPING)
    with make_client(sim, tmp_path / "tokens") as client:
        first = Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
        second = Poster(books.conn, mapping, {"main": client}).run(*JUNE)
    assert first.failed == [] and second.failed == []
    held = inspect_state(sim.state_dir)
    assert len(held["ledger_items"]) == 3  # posted, reversed, posted anew
    assert dirty(held["vouchers"]) == [] and dirty(held["customers"]) == []
    texts = [v["VoucherText"] for v in held["vouchers"]]
    assert all(len(t) <= VOUCHER_TEXT_MAX and "[ornd " in t for t in texts)
    # "Acme\r\nAB\t\x00\x1b[31m\u202eevil..." : breaks and tab are spaces, NUL, ESC and the
    # bidi marks go
    assert any("Kundfaktura 000001-STH Acme AB [31mevil [ornd L-d1-" in t for t in texts)
    assert (
        text_changes(books, "ledger_item")
        == ["Voucher.VoucherText: control characters, line breaks or extra spaces removed"] * 2
    )


def test_an_invoice_draft_row_text_is_cleaned_and_cut(books, sim, tmp_path):
    books.company("c1", "Acme AB")
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    long_text = "Medlemskap\njuni\t" + "x" * 2100
    books.conn.execute("UPDATE core.invoice_lines SET description = ?", [long_text])
    with make_client(sim, tmp_path / "tokens") as client:
        make_articles(client)
        summary = Poster(books.conn, invoice_mapping(), {"main": client}).run(*JUNE)
    assert summary.failed == []
    [invoice] = inspect_state(sim.state_dir)["invoices"]
    assert dirty(invoice) == []
    [row] = [r for r in invoice["Rows"] if r.get("Text")]
    assert row["Text"].startswith("Medlemskap juni xxx") and len(row["Text"]) == ROW_TEXT_MAX
    assert text_changes(books, "invoice") == [
        "Rows[0].Text: control characters, line breaks or extra spaces removed; "
        "Rows[0].Text: cut to 2000 characters"
    ]


def test_a_hostile_customer_reaches_visma_clean_and_within_each_max_length(books, sim, tmp_path):
    street = "Storgatan 1, " + "x" * 287  # 300 characters
    books.company(
        "c1",
        HOSTILE,
        email=" info@acme.se\n",
        address={"country": "Sweden", "city": "Stock\tholm\r\n", "street": street,
                 "zip": "118\u200b46"},
    )  # fmt: skip
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        summary = Poster(books.conn, load_mapping(SANDBOX_MAPPING), {"main": client}).run(*JUNE)
    assert summary.failed == [] and summary.confirmed == 2
    [customer] = inspect_state(sim.state_dir)["customers"]
    assert dirty(customer) == []
    assert all(len(customer[k]) <= n for k, n in CUSTOMER_MAX.items() if customer.get(k))
    # CR LF and tab become spaces (one, runs collapsed); NUL, ESC, the bidi marks and the
    # zero-width space go
    assert customer["Name"] == "Acme AB [31mevil"
    assert customer["InvoiceAddress1"] == street[:50]  # "Storgatan 1, " + 37 x
    assert (customer["InvoiceCity"], customer["InvoicePostalCode"]) == ("Stock holm", "11846")
    assert customer["EmailAddress"] == "info@acme.se"
    assert text_changes(books, "customer") == [
        "Name: control characters, line breaks or extra spaces removed; "
        "InvoiceAddress1: cut to 50 characters; "
        "InvoiceCity: control characters, line breaks or extra spaces removed; "
        "InvoicePostalCode: control characters, line breaks or extra spaces removed; "
        "EmailAddress: control characters, line breaks or extra spaces removed"
    ]
