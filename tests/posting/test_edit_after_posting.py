"""An invoice edited in OfficeRnD after it was posted, when its month's deferral voucher was
posted too (issue 13 item 1: the voucher's reversal went down the ledger-item path and every
later run failed). In both modes: the document is corrected, the deferral voucher reversed and
posted anew, nothing stays pending, and the next run is a no-op."""

from datetime import date
from decimal import Decimal

import pytest

from ornd_visma.books.revenue import (
    build_revenue_accruals,
    build_revenue_deferrals,
    build_revenue_schedule,
)
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import inspect_state
from tests.posting.books import Line
from tests.posting.conftest import make_client
from tests.posting.test_modes import invoice_mapping, make_articles

D = Decimal
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))  # the desk's month, invoiced 27 October


def _desk(net: str) -> Line:
    return Line(3001, D(net), served=NOVEMBER)


def _run(books, client, mapping) -> tuple:
    build_revenue_schedule(books.conn, date(2000, 1, 1), None)
    build_revenue_deferrals(books.conn)
    build_revenue_accruals(books.conn)
    documents = Poster(books.conn, mapping, {"main": client}).run(date(2000, 1, 1), None)
    vouchers = Poster(books.conn, mapping, {"main": client}).run_vouchers(date(2026, 12, 2))
    return documents, vouchers


@pytest.mark.parametrize("mode", ["ledger", "invoices"])
def test_an_edit_of_a_posted_document_with_a_posted_deferral(mode, books, sim, tmp_path):
    mapping = load_mapping(SANDBOX_MAPPING) if mode == "ledger" else invoice_mapping()
    books.document("d1", "000001-STH", "c1", date(2026, 10, 27), [_desk("2495.00")])
    with make_client(sim, tmp_path / "tokens") as client:
        if mode == "invoices":
            make_articles(client)
        for summary in _run(books, client, mapping):
            assert summary.failed == [] and summary.unresolved == []
        # October's deferral of November's desk, and November's release, are in Visma
        texts = [v["VoucherText"] for v in inspect_state(sim.state_dir)["vouchers"]]
        assert any(t.startswith("Periodisering 2026-10") for t in texts)
        assert any(t.startswith("Upplösning periodisering 2026-11") for t in texts)
        books.document("d1", "000001-STH", "c1", date(2026, 10, 27), [_desk("2995.00")])
        for summary in _run(books, client, mapping):
            assert summary.failed == [] and summary.unresolved == []
        again = _run(books, client, mapping)  # the next run has nothing left to do
        assert [s.sent for s in again] == [0, 0]
    conn = books.conn
    open_rows = conn.execute(
        "SELECT outbox_key, state FROM posting.outbox WHERE state NOT IN "
        "('confirmed', 'superseded', 'skipped')"
    ).fetchall()
    assert open_rows == []
    months = inspect_state(sim.state_dir)["totals"]["accounts_by_month"]
    # October: the invoice's 2995.00 (after its correction: 2495.00 - 2495.00 + 2995.00) is
    # all deferred, so October's revenue nets to 0; 2970 holds 2995.00 at its end
    assert months["2026-10"]["3001"]["balance"] == 0
    assert months["2026-10"]["2970"]["balance"] == -2995.0
    # November: the release of 2995.00 (2495.00 released, reversed, 2995.00 released)
    assert months["2026-11"]["3001"]["balance"] == -2995.0
    assert months["2026-11"]["2970"]["balance"] == 2995.0
