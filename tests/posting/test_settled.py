"""Which documents planning may leave alone (`Sources.settled`, `settled.sql`): their current
revision is confirmed in Visma and nothing else of theirs is open or live."""

from datetime import date

import duckdb
import pytest

from ornd_visma.posting.keys import outbox_key
from ornd_visma.posting.outbox import Outbox
from ornd_visma.posting.sources import Sources
from tests.posting.books import DDL

JUNE = (date(2026, 6, 1), date(2026, 7, 1))
NEW, OLD = "b" * 40, "a" * 40  # the current revision and an older one


@pytest.fixture
def outbox():
    conn = duckdb.connect()
    conn.execute(DDL)
    yield Outbox(conn)
    conn.close()


def document(outbox: Outbox, ident: str, day: date = date(2026, 6, 10)) -> None:
    outbox.conn.execute(
        "INSERT INTO core.documents (document_id, revision, business_date) VALUES (?, ?, ?)",
        [ident, NEW, day],
    )


def row(outbox: Outbox, ident: str, revision: str, state: str, kind: str = "ledger_item"):
    prefix = {"ledger_item": "L", "reversal": "R"}[kind]
    key = outbox_key(prefix, ident, revision)
    outbox.insert(
        key, kind=kind, entity="main", document_id=ident, revision=revision, payload={},
        state=state, reverses=outbox_key("L", ident, OLD) if kind == "reversal" else None,
    )  # fmt: skip


def test_only_documents_whose_current_revision_is_confirmed_and_nothing_else_open(outbox):
    for ident in ("done", "pending", "none", "old-live", "old-reversed", "old-superseded",
                  "old-sent", "reversal-open", "july"):  # fmt: skip
        document(outbox, ident, date(2026, 7, 1) if ident == "july" else date(2026, 6, 10))
    row(outbox, "done", NEW, "confirmed")  # settled
    row(outbox, "pending", NEW, "pending")  # to send: planned
    # "none" has no row yet: planned
    row(outbox, "old-live", OLD, "confirmed")  # an older revision in Visma, not reversed
    row(outbox, "old-live", NEW, "confirmed")
    row(outbox, "old-reversed", OLD, "confirmed")  # ... reversed, the reversal confirmed
    row(outbox, "old-reversed", OLD, "confirmed", kind="reversal")
    row(outbox, "old-reversed", NEW, "confirmed")  # settled
    row(outbox, "old-superseded", OLD, "superseded")  # never sent
    row(outbox, "old-superseded", NEW, "confirmed")  # settled
    row(outbox, "old-sent", OLD, "sent")  # unknown whether in Visma: planned (waits)
    row(outbox, "old-sent", NEW, "confirmed")
    row(outbox, "reversal-open", OLD, "confirmed")
    row(outbox, "reversal-open", OLD, "pending", kind="reversal")  # still to send
    row(outbox, "reversal-open", NEW, "confirmed")
    row(outbox, "july", NEW, "confirmed")  # settled, but outside the window
    assert Sources(outbox.conn).settled(*JUNE, "L") == {"done", "old-reversed", "old-superseded"}


def test_the_key_prefix_is_the_posting_modes(outbox):
    document(outbox, "done")
    row(outbox, "done", NEW, "confirmed")  # a ledger item's key, L-…
    assert Sources(outbox.conn).settled(*JUNE, "I") == set()  # invoice mode: I-… has no row
