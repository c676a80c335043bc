"""The VAT return from a small hand-made book: each box by hand, in whole kronor too."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ornd_visma.mapping import SANDBOX_MAPPING, Mapping, load_mapping
from ornd_visma.marts.vat_return import build_vat_return
from tests.posting.books import Books, Line

D = Decimal
JUNE, JULY = date(2026, 6, 1), date(2026, 7, 1)


@pytest.fixture
def books():
    conn = duckdb.connect()
    yield Books(conn)
    conn.close()


def vat_return(books: Books, mapping: Mapping | None = None) -> dict:
    build_vat_return(books.conn, mapping or load_mapping(SANDBOX_MAPPING))
    rows = books.conn.execute(
        "SELECT entity, month, box, kind, amount, declared, vat_codes, documents "
        "FROM marts.vat_return_monthly"
    ).fetchall()
    return {(e, m, b): (k, a, d, c, n) for e, m, b, k, a, d, c, n in rows}


def the_book(books: Books) -> None:
    books.document("inv1", "000001-STH", "c1", date(2026, 6, 10), [
        Line(3001, D("1000.00")),  # 25 %: VAT 250.00
        Line(3002, D("200.00"), D(12), article="CATERING"),  # 12 %: VAT 24.00
        Line(3911, D("5000.00"), D(0), article="OFFICE"),  # exempt office
    ])  # fmt: skip
    books.document("cn1", "CN00001-STH", "c1", date(2026, 6, 20),
                   [Line(3001, D("100.00"))], credit=True)  # 25 %: -100.00, VAT -25.00
    books.document("inv2", "000002-STH", "eu1", date(2026, 6, 15),
                   [Line(3308, D("800.00"), D(0), treatment="reverse_charge")])  # fmt: skip


def test_each_box_of_a_small_book(books):
    the_book(books)
    got = vat_return(books)
    june = {box: got[("main", JUNE, box)][1] for (_, _, box) in got}
    assert june == {
        "05": D("1000.00") + D("200.00") - D("100.00"),  # = 1100.00
        "10": D("250.00") - D("25.00"),  # = 225.00
        "11": D("24.00"),  # 12 % of 200.00
        "42": D("5000.00"),
        "39": D("800.00"),
    }
    assert june["05"] == D("1100.00") and june["10"] == D("225.00")
    assert got[("main", JUNE, "05")] == ("base", D("1100.00"), 1100, ["10", "11"], 2)
    assert got[("main", JUNE, "10")] == ("vat", D("225.00"), 225, ["10"], 2)
    assert got[("main", JUNE, "39")] == ("base", D("800.00"), 800, ["39"], 1)


def test_months_entities_ore_deposits_and_held_documents(books):
    # July: 333.33 at 25 % (VAT 83.33) in entity main, 40.00 at 25 % (VAT 10.00) in west
    books.document("inv3", "000003-STH", "c1", date(2026, 7, 1), [Line(3001, D("333.33"))])
    books.document("inv4", "000001-GBG", "c2", date(2026, 7, 2),
                   [Line(3001, D("40.00"), location="GBG")], entity="west")  # fmt: skip
    # a refundable deposit on 2420 is no sale: not in box 42
    books.document("inv5", "000004-STH", "c1", date(2026, 7, 3),
                   [Line(2420, D("3000.00"), D(0), article="DEPOSIT")])  # fmt: skip
    # a held document is in neither return until it is released
    books.document("inv6", "000005-STH", "c1", date(2026, 7, 4), [Line(3001, D("999.00"))],
                   status="held", hold_reasons=["line 1: unmapped"])  # fmt: skip
    got = vat_return(books)
    assert set(got) == {("main", JULY, "05"), ("main", JULY, "10"),
                        ("west", JULY, "05"), ("west", JULY, "10")}  # fmt: skip
    assert got[("main", JULY, "05")][1:3] == (D("333.33"), 333)  # öre dropped: 333
    assert got[("main", JULY, "10")][1:3] == (D("83.33"), 83)  # 25 % of 333.33 = 83.3325
    assert got[("west", JULY, "05")][1:3] == (D("40.00"), 40)
    assert got[("west", JULY, "10")][1:3] == (D("10.00"), 10)


def test_a_credit_note_larger_than_the_month_declares_a_negative_box(books):
    books.document("cn2", "CN00002-STH", "c1", date(2026, 6, 5),
                   [Line(3001, D("99.50"))], credit=True)  # fmt: skip
    got = vat_return(books)
    assert got[("main", JUNE, "05")][1:3] == (D("-99.50"), -99)  # toward zero
    assert got[("main", JUNE, "10")][1:3] == (D("-24.88"), -24)  # 25 % of 99.50 = 24.875


def test_the_mappings_box_override_moves_a_code(books):
    books.document("inv1", "000001-STH", "c1", date(2026, 6, 10), [Line(3913, D("500.00"))])
    base = load_mapping(SANDBOX_MAPPING).model_dump()
    base["vat"]["SE25"]["base_box"] = "08"  # this operator's 25 % code is only for rent
    got = vat_return(books, Mapping.model_validate(base))
    assert set(got) == {("main", JUNE, "08"), ("main", JUNE, "10")}
    assert got[("main", JUNE, "08")][1] == D("500.00")
    assert got[("main", JUNE, "10")][1] == D("125.00")  # 25 % of 500.00


def test_without_the_books_the_return_is_empty_and_says_so():
    conn = duckdb.connect()
    summary = build_vat_return(conn, load_mapping(SANDBOX_MAPPING))
    assert (summary.books_present, summary.rows) == (False, 0)
    assert conn.execute("SELECT count(*) FROM marts.vat_return_monthly").fetchone() == (0,)
