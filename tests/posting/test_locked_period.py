"""A correction of a month Visma has locked (its VAT return filed) is booked on the first
open day after the lock, in both modes; an open month's correction keeps the original's date
(docs/posting.md, VAT decisions)."""

from datetime import date
from decimal import Decimal

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.dating import dated, first_open_day
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import inspect_state
from tests.posting.books import Line
from tests.posting.conftest import make_client
from tests.posting.test_modes import invoice_mapping, make_articles

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))


def test_the_first_open_day_and_what_moves():
    assert first_open_day(None) is None
    assert first_open_day(date(2026, 6, 30)) == date(2026, 7, 1)
    ledger = {"InvoiceDate": "2026-06-10", "Voucher": {"VoucherDate": "2026-06-10", "Rows": []}}
    moved = dated(ledger, date(2026, 6, 30))
    assert moved["Voucher"]["VoucherDate"] == "2026-07-01" and moved["InvoiceDate"] == "2026-06-10"
    draft = {"InvoiceDate": "2026-06-10", "DueDate": "2026-06-20", "Rows": []}
    assert dated(draft, date(2026, 6, 30)) | {"Rows": []} == {
        "InvoiceDate": "2026-07-01", "DueDate": "2026-07-01", "Rows": [],
    }  # fmt: skip
    assert dated({"VoucherDate": "2026-07-02", "Rows": []}, date(2026, 6, 30)) is None  # open
    assert dated(ledger, None) is None


def _lock(sim, day: str) -> None:
    sim.admin("POST", "lock-period", {"locked_until": day}).raise_for_status()


def test_a_ledger_correction_of_a_locked_month_is_booked_after_the_lock(books, sim, tmp_path):
    mapping = load_mapping(SANDBOX_MAPPING)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
        _lock(sim, "2026-06-30")  # June's return is filed
        # the invoice changes: 1000.00 -> 1200.00 (VAT 250.00 -> 300.00)
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1200.00"))])
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
    state = inspect_state(sim.state_dir)
    dates = sorted(v["VoucherDate"][:10] for v in state["vouchers"])
    # the original stays in June; its reversal and the new revision go to 1 July
    assert dates == ["2026-06-10", "2026-07-01", "2026-07-01"]
    total = "TotalAmountInvoiceCurrency"
    items = sorted(state["ledger_items"], key=lambda i: i[total])
    # receivable: -1250.00 (reversal), 1250.00 (original), 1500.00 (new); all of 10 June
    assert [(i[total], i["InvoiceDate"][:10]) for i in items] == [
        (-1250.0, "2026-06-10"), (1250.0, "2026-06-10"), (1500.0, "2026-06-10"),
    ]  # fmt: skip
    july = state["totals"]["vat_codes_by_month"]["2026-07"]["10"]
    # July holds the correction's VAT: -250.00 + 300.00 = 50.00, base -1000.00 + 1200.00
    assert (july["vat"], july["base"]) == (50.0, 200.0)


def test_an_open_months_correction_keeps_the_original_date(books, sim, tmp_path):
    mapping = load_mapping(SANDBOX_MAPPING)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        _lock(sim, "2026-05-31")  # May is filed, June is open
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1200.00"))])
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
    dates = sorted(v["VoucherDate"][:10] for v in inspect_state(sim.state_dir)["vouchers"])
    assert dates == ["2026-06-10"] * 3


def test_an_invoice_mode_credit_invoice_of_a_locked_month_is_dated_after_it(books, sim, tmp_path):
    mapping = invoice_mapping()
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        make_articles(client)
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
        _lock(sim, "2026-06-30")
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1100.00"))])
        assert Poster(books.conn, mapping, {"main": client}).run(*JUNE).failed == []
    invoices = inspect_state(sim.state_dir)["invoices"]
    seen = sorted((i["InvoiceDate"][:10], i["IsCreditInvoice"], i["TotalAmount"]) for i in invoices)
    # 1000.00 + 250.00 = 1250.00 on 10 June; its credit and the new 1100.00 + 275.00 = 1375.00
    # are issued on 1 July, the first open day
    assert seen == [
        ("2026-06-10", False, 1250.0), ("2026-07-01", False, 1375.0), ("2026-07-01", True, -1250.0),
    ]  # fmt: skip


def test_the_vat_check_explains_a_correction_booked_after_the_lock(books, sim, tmp_path):
    from ornd_visma.marts.vat_return import build_vat_return
    from ornd_visma.vat.reconcile import reconcile_vat_return

    mapping = load_mapping(SANDBOX_MAPPING)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1000.00"))])
    books.document("d2", "000002-STH", "c1", date(2026, 6, 12), [Line(3001, D("400.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        _lock(sim, "2026-06-30")
        books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("1200.00"))])
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        build_vat_return(books.conn, mapping)
        result = reconcile_vat_return(books.conn, mapping, {"main": client})
    assert result.passed, result.mismatches
    (explained,) = result.not_in_visma
    assert explained["document_id"] == "d1"
    assert explained["reason"].startswith("booked on 2026-07-01, after Visma's lock")
    # d2 is compared: June's box 05 in the books is 1200.00 + 400.00, of which d1's 1200.00
    # is set aside; Visma's June, d1's original 1000.00 set aside, holds d2's 400.00
    june = next(r for r in result.rows if r["month"] == date(2026, 6, 1) and r["box"] == "05")
    assert (june["books"], june["books_not_in_visma"], june["difference"]) == (
        D("1600.00"), D("1200.00"), D("0.00"),
    )  # fmt: skip
