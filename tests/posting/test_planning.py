"""Planning on its own: the books' rows and the outbox's in, outbox rows out, no Visma client
anywhere; and its plain rules."""

from datetime import date
from decimal import Decimal

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.outbox import Outbox, Row
from ornd_visma.posting.planning import (
    EMPTY,
    UNNUMBERED_REVERSAL,
    Planner,
    document_reasons,
    live_unreversed,
    parse_voucher_document_id,
    revision_state,
    voucher_document_id,
    voucher_due,
)
from ornd_visma.posting.summary import Summary
from tests.posting.books import Line

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
MAPPING = load_mapping(SANDBOX_MAPPING)


def planner(books, **kwargs) -> Planner:
    return Planner(Outbox(books.conn), kwargs.pop("mapping", MAPPING), Summary(False), **kwargs)


def rows(books) -> dict[str, tuple]:
    return {
        key: (kind, state, reason)
        for key, kind, state, reason in books.conn.execute(
            "SELECT outbox_key, kind, state, hold_reason FROM posting.outbox ORDER BY 1"
        ).fetchall()
    }


def doc(**over) -> dict:
    return {"status": "ready", "hold_reasons": [], "entity": "main", "currency": "SEK", **over}


def test_document_reasons():
    assert document_reasons(doc(), MAPPING, None) == []
    assert document_reasons(doc(status="held", hold_reasons=None), MAPPING, None) == [
        "held in core.documents"
    ]
    assert document_reasons(doc(entity="west", currency="EUR"), MAPPING, "disputed") == [
        "entity 'west' is not in the mapping's entities",
        "currency EUR: only SEK documents are posted",
        "held by hand: disputed",
    ]
    assert document_reasons(doc(currency=None), MAPPING, None) == []  # no currency: SEK


def test_revision_state():
    moving = {"Voucher": {"Rows": [{"AccountNumber": 1510, "DebitAmount": D("125.00")}]}}
    still = {"Voucher": {"Rows": [{"AccountNumber": 1510, "DebitAmount": D(0)}]}}
    assert revision_state([], moving, "pending") == ("pending", None)
    assert revision_state([], moving, "would_post") == ("would_post", None)
    assert revision_state([], still, "pending") == ("skipped", EMPTY)
    assert revision_state(["a", "b"], still, "pending") == ("held", "a; b")
    assert revision_state(["a"], {}, "pending") == ("held", "a")  # never built


def test_voucher_ids_and_when_they_are_due():
    ident = voucher_document_id("deferred", "main", date(2026, 5, 1))
    assert ident == "deferred:main:2026-05"
    assert parse_voucher_document_id(ident) == ("deferred", "main", date(2026, 5, 1))
    assert parse_voucher_document_id("d1") is None
    assert parse_voucher_document_id("deferred:main:2026-13") is None
    # May's deferral is dated May 31: due once the day after it has come
    assert not voucher_due("deferred", date(2026, 5, 1), date(2026, 5, 31))
    assert voucher_due("deferred", date(2026, 5, 1), date(2026, 6, 1))
    # June's release is dated June 1: due on June 1
    assert voucher_due("released", date(2026, 6, 1), date(2026, 6, 1))
    assert not voucher_due("released", date(2026, 6, 1), date(2026, 5, 31))


def _row(key, kind, state, reverses=None, reason=None) -> Row:
    return Row(key, kind, "main", "d1", None, "r", None, None, None, {}, reverses, state,
               reason, 0, None, None, None, None)  # fmt: skip


def test_live_unreversed():
    posted = _row("L-d1-1", "ledger_item", "confirmed")
    maybe = _row("L-d1-2", "ledger_item", "sent")
    open_ = _row("L-d1-3", "ledger_item", "pending")
    reversal = _row("R-d1-1", "reversal", "pending", reverses="L-d1-1")
    assert live_unreversed([posted, maybe, open_]) == [posted, maybe]
    assert live_unreversed([posted, maybe, reversal]) == [maybe]
    # a reversal held because it had no number does not cancel what it reverses
    unnumbered = _row("R-d1-1", "reversal", "held", "L-d1-1", f"{UNNUMBERED_REVERSAL}full")
    assert live_unreversed([posted, unnumbered]) == [posted]


def test_a_window_is_planned_into_the_outbox_without_any_client(books):
    # 100.00 at 25 %: 125.00; the customer once, before its documents can be sent
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    books.document("d2", "000002-STH", "c1", date(2026, 6, 11), [Line(3001, D("10.00"))],
                   entity="west")  # fmt: skip
    p = planner(books)
    p.plan_documents(*JUNE)
    planned = rows(books)
    assert sorted((key.split("-")[0], *row) for key, row in planned.items()) == [
        ("C", "customer", "pending", None),
        ("L", "ledger_item", "held", "entity 'west' is not in the mapping's entities"),
        ("L", "ledger_item", "pending", None),
    ]
    assert p.summary.planned == {"pending": 2, "held": 1}
    item = Outbox(books.conn).for_document("d1")[0]
    # STH's invoices start at 10000000: 000001-STH is 10000001
    assert item.payload["InvoiceNumber"] == 10000001
    assert item.payload["TotalAmountInvoiceCurrency"] == D("125.00")
    # planning again adds nothing
    again = planner(books)
    again.plan_documents(*JUNE)
    assert sum(again.summary.planned.values()) == 0 and rows(books) == planned


def test_a_dry_run_plans_would_post_and_previews(books):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    p = planner(books, dry_run=True, preview_limit=1)
    p.plan_documents(*JUNE)
    assert {state for _, state, _ in rows(books).values()} == {"would_post"}
    assert len(p.summary.would_post) == 2 and len(p.summary.previews) == 1


def test_a_posted_document_changed_in_officernd_is_reversed_and_replanned(books):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    planner(books).plan_documents(*JUNE)
    books.conn.execute("UPDATE posting.outbox SET state = 'confirmed'")  # as if sent
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
    p = planner(books)
    p.plan_documents(*JUNE)
    by_kind = {r.kind + ":" + r.state: r for r in Outbox(books.conn).for_document("d1")}
    assert set(by_kind) == {"ledger_item:confirmed", "reversal:pending", "ledger_item:pending"}
    reversal = by_kind["reversal:pending"]
    assert reversal.reverses == by_kind["ledger_item:confirmed"].outbox_key
    # the first number of STH's reversal range 19000000–19999999; the posted 125.00 negated
    assert reversal.payload["InvoiceNumber"] == 19000001
    assert reversal.amount == D("-125.00")
    # the new revision keeps the document's own number; 120.00 + 25 % = 150.00
    assert by_kind["ledger_item:pending"].payload["InvoiceNumber"] == 10000001
    assert by_kind["ledger_item:pending"].amount == D("150.00")


def test_a_document_with_a_row_still_sent_waits_for_recovery(books):
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    planner(books).plan_documents(*JUNE)
    books.conn.execute("UPDATE posting.outbox SET state = 'sent' WHERE kind = 'ledger_item'")
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
    planner(books).plan_documents(*JUNE)
    assert [r.state for r in Outbox(books.conn).for_document("d1")] == ["sent"]


def test_periodisation_vouchers_are_planned_when_due(books):
    books.conn.execute(
        "INSERT INTO core.revenue_deferrals VALUES "
        "('main', DATE '2026-05-01', 3001, 'STH', NULL, 1000.00, 0.00),"
        "('main', DATE '2026-06-01', 3001, 'STH', NULL, 0.00, 1000.00)"
    )
    planner(books).plan_vouchers(date(2026, 6, 15))
    vouchers = {r.document_id: r for r in Outbox(books.conn).in_state(("pending",))}
    # May's deferral (May 31) and June's release (June 1); June's deferral is not due
    assert set(vouchers) == {"deferred:main:2026-05", "released:main:2026-06"}
    assert vouchers["deferred:main:2026-05"].payload["VoucherDate"] == "2026-05-31"
    assert vouchers["deferred:main:2026-05"].amount == D("1000.00")
