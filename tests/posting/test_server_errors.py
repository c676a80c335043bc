"""Visma answering 5xx to 30 % of all requests, on every endpoint (customers, cost center
items, ledger items, look-ups): one run still posts every document exactly once, nothing
failed, nothing left unresolved."""

from collections import Counter
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.keys import key_in
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import VismaOptions, inspect_state
from tests.posting.books import Books, Line
from tests.posting.conftest import make_client
from tests.sandbox.visma_fixtures import harness


@pytest.mark.parametrize("seed", [1, 2])
def test_a_30_percent_5xx_rate_leaves_nothing_failed_after_one_run(seed, tmp_path):
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    books = Books(conn)
    for c in range(10):
        books.company(f"c{c}", f"Firma {c} AB")
    for i in range(40):  # two locations: two cost center items to create under the faults
        where = ("STH", "GBG")[i % 2]
        books.document(f"d{i}", f"{i + 1:06d}-{where}", f"c{i % 10}", date(2026, 6, 1 + i % 28),
                       [Line(3001, Decimal("100.00") + i, location=where)])  # fmt: skip
    options = VismaOptions(timeout_seconds=1.0, error_rate=0.3, fault_seed=seed)
    with harness(tmp_path / "visma", options) as h, make_client(h, tmp_path / "t") as client:
        summary = Poster(conn, load_mapping(SANDBOX_MAPPING), {"main": client}).run(
            date(2026, 6, 1), date(2026, 7, 1)
        )
        held = inspect_state(h.state_dir)
        answers = h.visma.stats.snapshot()["requests"]
        h.options(error_rate=0.0)
        centers = client.list_all("/costcenters")
    assert summary.failed == [] and summary.unresolved == []
    # the faults really happened: some requests were answered 500/503
    assert sum(n for a in answers.values() for s, n in a.items() if s.startswith("5")) > 10
    states = dict(conn.execute("SELECT state, count(*) FROM posting.outbox GROUP BY 1").fetchall())
    assert states == {"confirmed": 50}  # 40 documents and 10 customers
    vouchers = {v["Id"]: v for v in held["vouchers"]}
    per_key = Counter(key_in(vouchers[i["VoucherId"]]["VoucherText"]) for i in held["ledger_items"])
    assert len(per_key) == 40 and set(per_key.values()) == {1}
    # each location's cost center item created once, whatever the retries
    items = [i["ShortName"] for c in centers if c["Number"] == 1 for i in c.get("Items") or []]
    assert sorted(items) == ["GBG", "STH"]
    conn.close()
