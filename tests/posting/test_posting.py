"""Posting hand-made books to the simulated Visma: customers, ledger items with vouchers,
credit notes, holds, corrections, deferral vouchers."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.keys import customer_number
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import inspect_state
from tests.posting.books import Books, Line
from tests.posting.conftest import make_client

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))


@pytest.fixture
def books(tmp_path):
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    b = Books(conn)
    b.company("c1", "Acme AB")
    b.company("c2", "Beta AB")
    yield b
    conn.close()


@pytest.fixture
def mapping():
    return load_mapping(SANDBOX_MAPPING)


def post(books, sim, tmp_path, mapping, **kwargs):
    with make_client(sim, tmp_path / "tokens") as client:
        poster = Poster(books.conn, mapping, {"main": client}, **kwargs)
        return poster.run(*JUNE)


def state(sim) -> dict:
    return inspect_state(sim.state_dir)


def test_invoice_and_credit_note_reach_visma_with_the_right_rows(books, sim, tmp_path, mapping):
    # 1000.00 at 25 % (VAT 250.00) + 333.33 exempt: total 1583.33, rounded 1583.00
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10),
                   [Line(3001, D("1000.00")), Line(3911, D("333.33"), D(0))])  # fmt: skip
    # a credit note of 200.00 at 25 %: -250.00
    books.document("d2", "CN00001-STH", "c1", date(2026, 6, 12), [Line(3001, D("200.00"))],
                   credit=True)  # fmt: skip
    summary = post(books, sim, tmp_path, mapping)
    assert summary.failed == []
    assert summary.confirmed == 3  # one customer, two documents
    held = state(sim)
    assert held["counts"]["customers"] == 1
    assert held["customers"][0]["CustomerNumber"] == customer_number("c1") == "c1"
    items = sorted(held["ledger_items"], key=lambda i: i["InvoiceNumber"])
    # STH numbers invoices from 10000000 and credit notes from 15000000 (the sandbox
    # mapping): 000001-STH is 10000000 + 1, CN00001-STH 15000000 + 1
    assert [(i["InvoiceNumber"], i["IsCreditInvoice"], i["TotalAmountInvoiceCurrency"])
            for i in items] == [(10000001, False, 1583.0), (15000001, True, -250.0)]  # fmt: skip
    # OfficeRnD's own number is the payment reference
    assert [i["PaymentReferenceNumber"] for i in items] == ["000001-STH", "CN00001-STH"]
    accounts = held["totals"]["accounts"]
    # 1510: 1583.00 debit - 250.00 credit
    assert accounts["1510"]["balance"] == 1333.0
    # 3001: credit 1000.00, debit 200.00
    assert (accounts["3001"]["debit"], accounts["3001"]["credit"]) == (200.0, 1000.0)
    assert accounts["3911"]["credit"] == 333.33
    # 2611: 250.00 - 50.00
    assert accounts["2611"]["balance"] == -200.0
    # rounding: 1583.00 - 1583.33 = -0.33, a debit on 3740
    assert accounts["3740"]["debit"] == 0.33
    assert held["totals"]["balanced"]
    # revenue rows carry the location's cost center item
    items = held["totals"]["cost_center_items"]
    assert {v["short_name"]: v["balance"] for v in items.values()} == {"STH": -1133.33}


def test_rerun_posts_nothing_twice(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    post(books, sim, tmp_path, mapping)
    again = post(books, sim, tmp_path, mapping)
    assert again.sent == 0
    assert state(sim)["counts"]["ledger_items"] == 1


def test_one_failure_does_not_stop_the_others(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    books.document("d2", "000002-STH", "c1", date(2026, 6, 11), [Line(9999, D("50.00"))])
    books.document("d3", "000003-STH", "c2", date(2026, 6, 12), [Line(3001, D("80.00"))])
    summary = post(books, sim, tmp_path, mapping)
    assert [(number, "3002" in message) for _, number, message in summary.failed] == [
        ("000002-STH", True)  # AccountNotFound, Visma's own code and message
    ]
    # 10000000 + 1 and 10000000 + 3: STH's invoice range (the sandbox mapping)
    assert sorted(i["InvoiceNumber"] for i in state(sim)["ledger_items"]) == [10000001, 10000003]
    failed = books.conn.execute(
        "SELECT state, error_code, error_message FROM posting.outbox WHERE document_id = 'd2'"
    ).fetchone()
    assert failed[0] == "failed" and failed[1] == 3002 and "9999" in failed[2]


def test_held_documents_and_bad_customers_are_not_sent(books, sim, tmp_path, mapping):
    books.company("c3", "No Address AB", address={}, billingDetails={})
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))],
                   status="held", hold_reasons=["line 1: no revenue rule for plan X"])  # fmt: skip
    books.document("d2", "000002-STH", "c3", date(2026, 6, 11), [Line(3001, D("100.00"))])
    books.document("d3", "000003-STH", "c1", date(2026, 6, 12), [Line(3001, D("10.00"))],
                   currency="EUR")  # fmt: skip
    summary = post(books, sim, tmp_path, mapping)
    reasons = {number: reason for _, number, reason in summary.held}
    assert reasons["000001-STH"] == "line 1: no revenue rule for plan X"
    assert "InvoiceCity" in reasons["000002-STH"]
    assert "currency EUR" in reasons["000003-STH"]
    assert state(sim)["counts"].get("ledger_items", 0) == 0


def test_changed_document_is_reversed_and_reposted(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    post(books, sim, tmp_path, mapping)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
    summary = post(books, sim, tmp_path, mapping)
    assert summary.failed == []
    items = state(sim)["ledger_items"]
    # the posted 125.00, its reversal -125.00, the new 150.00
    assert sorted(i["TotalAmountInvoiceCurrency"] for i in items) == [-125.0, 125.0, 150.0]
    accounts = state(sim)["totals"]["accounts"]
    assert accounts["1510"]["balance"] == 150.0
    assert accounts["3001"]["balance"] == -120.0
    third = post(books, sim, tmp_path, mapping)
    assert third.sent == 0


def test_changed_document_is_held_with_on_change_hold_until_released(books, sim, tmp_path, mapping):
    mapping = mapping.model_copy(update={"on_change": "hold"})
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    post(books, sim, tmp_path, mapping)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
    summary = post(books, sim, tmp_path, mapping)
    assert len(summary.held) == 1 and "changed in OfficeRnD after posting" in summary.held[0][2]
    assert state(sim)["counts"]["ledger_items"] == 1
    from ornd_visma.posting.outbox import Outbox

    assert Outbox(books.conn).release("d1") == 1
    post(books, sim, tmp_path, mapping)
    assert sorted(i["TotalAmountInvoiceCurrency"] for i in state(sim)["ledger_items"]) == [
        -125.0, 125.0, 150.0,
    ]  # fmt: skip


def test_voided_document_is_reversed(books, sim, tmp_path, mapping):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    post(books, sim, tmp_path, mapping)
    books.remove("d1")
    post(books, sim, tmp_path, mapping)
    assert state(sim)["totals"]["accounts"]["1510"]["balance"] == 0.0


def test_deferral_and_release_vouchers(books, sim, tmp_path, mapping):
    books.conn.execute(
        "INSERT INTO core.revenue_deferrals VALUES "
        "('main', DATE '2026-05-01', 3001, 'STH', NULL, 1000.00, 0.00),"
        "('main', DATE '2026-05-01', 3001, 'GBG', NULL, 500.00, 0.00),"
        "('main', DATE '2026-06-01', 3001, 'STH', NULL, 0.00, 1000.00),"
        "('main', DATE '2026-06-01', 3001, 'GBG', NULL, 0.00, 500.00)"
    )
    with make_client(sim, tmp_path / "tokens") as client:
        Poster(books.conn, mapping, {"main": client}).run_vouchers(date(2026, 6, 15))
    vouchers = {v["VoucherDate"][:10]: v for v in state(sim)["vouchers"]}
    # May's deferral on May 31 (debit revenue 1500, credit 2970), June's release on June 1
    assert set(vouchers) == {"2026-05-31", "2026-06-01"}
    may = {
        (r["AccountNumber"], r["DebitAmount"], r["CreditAmount"])
        for r in vouchers["2026-05-31"]["Rows"]
    }
    assert may == {(3001, 1000.0, 0.0), (3001, 500.0, 0.0), (2970, 0.0, 1500.0)}  # fmt: skip
    assert state(sim)["totals"]["accounts"]["2970"]["balance"] == 0.0


def test_reconciliation_passes_then_catches_planted_mismatches(books, sim, tmp_path, mapping):
    from ornd_visma.posting.reconcile import reconcile

    books.document("d1", "000001-STH", "c1", date(2026, 6, 10),
                   [Line(3001, D("1000.00")), Line(3911, D("333.33"), D(0))])  # fmt: skip
    books.document("d2", "000002-GBG", "c2", date(2026, 6, 10),
                   [Line(3002, D("80.00"), D(12), location="GBG")])  # fmt: skip
    books.document("d3", "000003-STH", "c2", date(2026, 6, 11), [Line(3001, D("5.00"))],
                   status="held", hold_reasons=["line 1: unmapped"])  # fmt: skip
    skip = {1510, 3740}
    with make_client(sim, tmp_path / "tokens") as client:
        Poster(books.conn, mapping, {"main": client}).run(*JUNE)
        result = reconcile(books.conn, *JUNE, {"main": client}, skip_accounts=skip)
        assert result.mismatches == [] and result.books_mismatches == []
        assert result.duplicates == []
        by = {(r["day"], r["location"], r["vat_percent"]): r for r in result.rows}
        sth25 = by[(date(2026, 6, 10), "loc-sth", D(25))]
        # 1000.00 net, 250.00 VAT, equal on all three sides
        assert (sth25["officernd_net"], sth25["warehouse_net"], sth25["visma_net"]) == (
            D("1000.00"), D("1000.00"), D("1000.00"))  # fmt: skip
        assert sth25["visma_vat"] == D("250.00")
        gbg12 = by[(date(2026, 6, 10), "loc-gbg", D(12))]
        assert (gbg12["visma_net"], gbg12["visma_vat"]) == (D("80.00"), D("9.60"))  # 12 % of 80
        # the held document is listed as missing, with its reason
        assert [(m["document_number"], m["reason"]) for m in result.missing] == [
            ("000003-STH", "line 1: unmapped")
        ]
        # plant 1: the warehouse loses 0.01 on d1's exempt line
        books.conn.execute(
            "UPDATE core.invoice_lines SET net_amount = 333.32 WHERE document_id = 'd1' "
            "AND line_no = 2"
        )
        # plant 2: a twin of d2's voucher in Visma, carrying its tag
        key = books.conn.execute(
            "SELECT outbox_key FROM posting.outbox WHERE document_id = 'd2'"
        ).fetchone()[0]
        twin = inspect_state(sim.state_dir)
        original = next(v for v in twin["vouchers"] if key in v["VoucherText"])
        client.post("/vouchers", {
            "VoucherDate": "2026-06-10", "VoucherText": original["VoucherText"],
            "Rows": [{"AccountNumber": r["AccountNumber"], "DebitAmount": r["DebitAmount"],
                      "CreditAmount": r["CreditAmount"]} for r in original["Rows"]],
        })  # fmt: skip
        result = reconcile(books.conn, *JUNE, {"main": client}, skip_accounts=skip)
    assert [(r["location"], r["vat_percent"]) for r in result.books_mismatches] == [
        ("loc-sth", D(0))
    ]
    assert {(r["location"], r["vat_percent"]) for r in result.mismatches} == {
        ("loc-sth", D(0)),  # warehouse 333.32, Visma 333.33
        ("loc-gbg", D(12)),  # Visma 160.00 net: twice 80.00
    }
    assert [d["document_id"] for d in result.duplicates] == ["d2"]
    assert not result.passed
