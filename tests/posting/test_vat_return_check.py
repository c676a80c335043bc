"""The VAT return's check against the simulated Visma: hand-made books posted for real,
Visma read back per month and box. Passes when Visma holds what was posted; fails when a
sale keyed into Visma outside the books moves a box; documents not (yet) in Visma are set
aside on both sides and listed, not counted as a difference."""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.marts.vat_return import build_vat_return
from ornd_visma.posting.poster import Poster
from ornd_visma.vat.reconcile import reconcile_vat_return
from ornd_visma.visma import VismaUnavailable
from tests.posting.books import Books, Line
from tests.posting.conftest import make_client

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
M6 = date(2026, 6, 1)


@pytest.fixture
def mapping():
    return load_mapping(SANDBOX_MAPPING)


def the_book(books: Books) -> None:
    books.document("inv1", "000001-STH", "c1", date(2026, 6, 10), [
        Line(3001, D("1000.00")),  # 25 %: VAT 250.00
        Line(3002, D("200.00"), D(12), article="CATERING"),  # 12 %: VAT 24.00
        Line(3911, D("5000.00"), D(0), article="OFFICE"),  # exempt office
    ])  # fmt: skip
    books.document("cn1", "CN00001-STH", "c1", date(2026, 6, 20),
                   [Line(3001, D("100.00"))], credit=True)  # fmt: skip
    books.document("inv2", "000002-STH", "c1", date(2026, 6, 15),
                   [Line(3308, D("800.00"), D(0), treatment="reverse_charge")])  # fmt: skip


def check(books, mapping, client, **kwargs):
    build_vat_return(books.conn, mapping)
    return reconcile_vat_return(books.conn, mapping, {"main": client}, **kwargs)


def by_box(result) -> dict:
    return {(r["month"], r["box"]): r for r in result.rows}


def test_passes_on_a_real_post_then_fails_on_a_sale_keyed_into_visma(
    books, sim, tmp_path, mapping
):
    the_book(books)
    with make_client(sim, tmp_path / "tokens") as client:
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
        result = check(books, mapping, client)
        assert result.passed and result.mismatches == [] and result.not_in_visma == []
        june = by_box(result)
        # Visma, read back, holds each box as the books: 05 = 1000 + 200 − 100, 10 = 250 − 25
        assert {box: (r["books"], r["visma"]) for (_, box), r in june.items()} == {
            "05": (D("1100.00"), D("1100.00")),
            "10": (D("225.00"), D("225.00")),
            "11": (D("24.00"), D("24.00")),
            "39": (D("800.00"), D("800.00")),
            "42": (D("5000.00"), D("5000.00")),
        }
        # a cash sale keyed into Visma by hand, default flags: 3001 takes its VAT code 10
        client.post("/vouchers", {
            "VoucherDate": "2026-06-18", "VoucherText": "Kontantförsäljning",
            "Rows": [{"AccountNumber": 1930, "DebitAmount": 100.00},
                     {"AccountNumber": 3001, "CreditAmount": 100.00}],
        })  # fmt: skip
        result = check(books, mapping, client)
    assert not result.passed
    (mismatch,) = result.mismatches
    # box 05: Visma 1100.00 + 100.00 = 1200.00 against the books' 1100.00; no VAT row, so box
    # 10 still agrees
    assert (mismatch["month"], mismatch["box"], mismatch["books"], mismatch["visma"]) == (
        M6, "05", D("1100.00"), D("1200.00"))  # fmt: skip
    assert mismatch["difference"] == D("100.00")


def test_documents_not_in_visma_and_corrections_are_explained_not_mismatched(
    books, sim, tmp_path, mapping
):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        # d1 changes after posting: reversed on its own date (10 June) and posted anew
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
        # d2 in EUR is held by the outbox; d3 on an account Visma does not have is refused
        books.document("d2", "000002-STH", "c1", date(2026, 6, 11), [Line(3001, D("10.00"))],
                       currency="EUR")  # fmt: skip
        books.document("d3", "000003-STH", "c1", date(2026, 6, 12), [Line(9999, D("40.00"))])
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        result = check(books, mapping, client)
    assert result.passed, result.mismatches
    listed = {d["document_number"]: (d["state"], d["reason"]) for d in result.not_in_visma}
    assert set(listed) == {"000002-STH", "000003-STH"}
    assert listed["000002-STH"][0] == "held" and "currency EUR" in listed["000002-STH"][1]
    assert listed["000003-STH"][0] == "failed" and "9999" in listed["000003-STH"][1]
    june = by_box(result)
    # box 05: d1's 120.00 (100.00 − 100.00 + 120.00 in Visma) + d2's 10.00 in the books;
    # d3 on 9999 is no revenue account, so it has no base
    assert (june[(M6, "05")]["books"], june[(M6, "05")]["books_not_in_visma"]) == (
        D("130.00"), D("10.00"))  # fmt: skip
    assert june[(M6, "05")]["visma"] == D("120.00")
    # box 10: 30.00 + 2.50 + 10.00 in the books, of which 2.50 + 10.00 not in Visma
    assert (june[(M6, "10")]["books"], june[(M6, "10")]["books_not_in_visma"]) == (
        D("42.50"), D("12.50"))  # fmt: skip
    assert june[(M6, "10")]["visma"] == D("30.00")


def test_a_changed_document_held_for_review_sets_its_old_revision_aside(
    books, sim, tmp_path, mapping
):
    mapping = mapping.model_copy(update={"on_change": "hold"})
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        result = check(books, mapping, client)
    assert result.passed, result.mismatches
    row = by_box(result)[(M6, "05")]
    # the books have the new 120.00, Visma still the old 100.00: both set aside, d1 listed
    assert (row["books"], row["books_not_in_visma"]) == (D("120.00"), D("120.00"))
    assert (row["visma"], row["visma_of_those"], row["difference"]) == (
        D("100.00"), D("100.00"), D("0.00"))  # fmt: skip
    assert [d["document_number"] for d in result.not_in_visma] == ["000001-STH"]


class _Down:
    def list_all(self, *_args, **_kwargs):
        raise VismaUnavailable("connection refused")


def test_an_unreachable_company_fails_the_check_and_a_dry_run_reads_nothing(books, mapping):
    the_book(books)
    result = check(books, mapping, _Down(), errors=(VismaUnavailable,))
    assert not result.passed
    assert result.unreadable == {"main": "VismaUnavailable: connection refused"}
    build_vat_return(books.conn, mapping)
    dry = reconcile_vat_return(books.conn, mapping, None)
    assert dry.passed and not dry.visma_read
    assert {r["visma"] for r in dry.rows} == {None}
    # nothing posted: every document is listed as not in Visma
    assert len(dry.not_in_visma) == 3


def test_invoice_mode_is_read_through_the_vouchers_visma_books(books, sim, tmp_path, mapping):
    from tests.posting.test_modes import make_articles

    mapping = mapping.model_copy(update={"posting_mode": "invoices"})
    office = Line(3911, D("333.33"), D(0), article="OFFICE")
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00")), office])
    with make_client(sim, tmp_path / "tokens") as client:
        make_articles(client)
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
        result = check(books, mapping, client)
    assert result.passed, result.mismatches
    assert {box: r["visma"] for (_, box), r in by_box(result).items()} == {
        "05": D("1000.00"), "10": D("250.00"), "42": D("333.33"),  # 25 % of 1000.00 = 250.00
    }  # fmt: skip
