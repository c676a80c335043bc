"""Exactly once under faults: whatever fails where (5xx, timeouts, connections dropped after
Visma stored the write, a crash at any step between marking a row sent and recording
Visma's answer, a SIGKILL of the whole process), the next clean run finishes the work and
Visma holds exactly one ledger item per document, with the books' totals to the öre."""

import contextlib
import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.keys import key_in
from ornd_visma.posting.poster import Poster, SimulatedCrash
from ornd_visma.sandbox.visma import inspect_state
from ornd_visma.visma import EndpointLimiter, TokenStore, VismaClient, VismaSettings
from tests.posting.books import Books, Line
from tests.sandbox.visma_fixtures import harness

D = Decimal
WINDOW = (date(2026, 6, 1), date(2026, 7, 1))
MAPPING = load_mapping(SANDBOX_MAPPING)
_examples = itertools.count()
# The simulator stores a timed-out request 0.5 s after it arrived; the client gives up at
# 0.3 s; a `sent` row is looked up once 1.5 s have passed since it was sent (room for a
# machine under load).
SETTLE_S = 1.5

# (net at 25 %, net exempt) per document; customers alternate
DOCS = [(D("1000.00"), D("0")), (D("99.99"), D("250.50")), (D("0.04"), D("0")),
        (D("4400.00"), D("1200.00")), (D("13.37"), D("0"))]  # fmt: skip


def make_books(conn: duckdb.DuckDBPyConnection, prefix: str) -> dict[str, Decimal]:
    """The documents of one example; returns the expected receivable per document."""
    books = Books(conn)
    books.company(f"{prefix}c1", "Acme AB")
    books.company(f"{prefix}c2", "Beta AB")
    expected = {}
    for n, (taxed, exempt) in enumerate(DOCS, start=1):
        lines = [Line(3001, taxed)] + ([Line(3911, exempt, D(0))] if exempt else [])
        doc = books.document(f"{prefix}d{n}", f"{n:06d}-STH", f"{prefix}c{n % 2 + 1}",
                             date(2026, 6, n), lines)  # fmt: skip
        expected[f"{prefix}d{n}"] = doc["posted_total"]
    return expected


def client_for(h, tokens: Path, timeout_s: float = 0.3) -> VismaClient:
    settings = VismaSettings("main", f"{h.url}/v2", h.url, "sandbox", "sandbox")
    limiter = EndpointLimiter(570, clock=h.clock.seconds, sleep=h.clock.advance)
    return VismaClient(settings, TokenStore(tokens, "main"), limiter=limiter,
                       timeout_s=timeout_s, max_attempts=3, sleep=lambda s: None)  # fmt: skip


def crash_after(point: str, n: int):
    seen = Counter()

    def hook(at: str, key: str) -> None:
        if at == point:
            seen[at] += 1
            if seen[at] == n:
                raise SimulatedCrash(f"{at} #{n} ({key})")

    return hook


def visma_items(state_dir: Path, prefix: str) -> Counter:
    """Ledger items in Visma per document of this example (by the tag of their voucher)."""
    state = inspect_state(state_dir)
    vouchers = {v["Id"]: v for v in state["vouchers"]}
    per = Counter()
    for item in state["ledger_items"]:
        key = key_in(vouchers[item["VoucherId"]]["VoucherText"]) or ""
        if key.startswith(f"L-{prefix}"):
            per[key.split("-")[1]] += 1
    return per


def receivables(state_dir: Path, prefix: str) -> dict[str, Decimal]:
    state = inspect_state(state_dir)
    out = {}
    for voucher in state["vouchers"]:
        key = key_in(voucher["VoucherText"]) or ""
        if key.startswith(f"L-{prefix}"):
            out[key.split("-")[1]] = sum(
                (D(str(r["DebitAmount"])) - D(str(r["CreditAmount"])) for r in voucher["Rows"]
                 if r["AccountNumber"] == 1510),
                D(0),
            )  # fmt: skip
    return out


faults = st.fixed_dictionaries(
    {
        "error_rate": st.sampled_from([0.0, 0.2, 0.4]),
        "timeout_rate": st.sampled_from([0.0, 0.1]),
        "drop_after_commit_rate": st.sampled_from([0.0, 0.2, 0.4]),
        "fault_seed": st.integers(0, 10_000),
    }
)
crashes = st.one_of(
    st.none(), st.tuples(st.sampled_from(["before_send", "after_send"]), st.integers(1, 8))
)


def test_exactly_once_under_random_faults_and_crashes(tmp_path):
    with harness(tmp_path / "visma") as h:
        h.options(timeout_seconds=0.5)

        @settings(
            max_examples=int(os.environ.get("POSTING_FAULT_EXAMPLES", "25")),
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(runs=st.lists(st.tuples(faults, crashes), min_size=1, max_size=3))
        def prop(runs):
            prefix = f"x{next(_examples)}"
            conn = duckdb.connect()
            expected = make_books(conn, prefix)
            for fault, crash in runs:
                h.options(**fault)
                with client_for(h, tmp_path / "tokens") as client:
                    hook = crash_after(*crash) if crash else None
                    with contextlib.suppress(SimulatedCrash):
                        Poster(conn, MAPPING, {"main": client}, hook=hook, settle_s=SETTLE_S
                               ).run(*WINDOW)  # fmt: skip
            h.options(error_rate=0.0, timeout_rate=0.0, drop_after_commit_rate=0.0)
            # the next run waits until every request of the earlier ones has settled; its
            # client waits for answers as a real one does (0.3 s, the faulty runs' timeout,
            # is shorter than a fault-free answer can take on a loaded 2-core machine: CI
            # once left a document `sent` from this clean run, not from the faults)
            with client_for(h, tmp_path / "tokens", timeout_s=10.0) as client:
                Poster(conn, MAPPING, {"main": client}, settle_s=SETTLE_S).run(*WINDOW)
            states = dict(
                conn.execute("SELECT state, count(*) FROM posting.outbox GROUP BY 1").fetchall()
            )
            assert states == {"confirmed": 7}  # 2 customers + 5 documents
            assert visma_items(h.state_dir, prefix) == Counter({doc: 1 for doc in expected})
            assert receivables(h.state_dir, prefix) == {
                doc: total for doc, total in expected.items()
            }
            customers = [
                c for c in inspect_state(h.state_dir)["customers"]
                if c["CustomerNumber"].startswith(prefix)
            ]  # fmt: skip
            assert len(customers) == 2
            conn.close()

        prop()


KILLED_RUN = """
import os, signal, sys
from datetime import date
import duckdb
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.poster import Poster
from ornd_visma.visma import TokenStore, VismaClient, VismaSettings
url, warehouse, tokens, point, nth = sys.argv[1:6]
seen = [0]
def hook(at, key):
    if at == point:
        seen[0] += 1
        if seen[0] == int(nth):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush, no finally
conn = duckdb.connect(warehouse)
client = VismaClient(VismaSettings("main", url + "/v2", url, "sandbox", "sandbox"),
                     TokenStore(tokens, "main"))
Poster(conn, load_mapping(SANDBOX_MAPPING), {"main": client}, hook=hook).run(
    date(2026, 6, 1), date(2026, 7, 1))
"""


def test_sigkill_between_send_and_record_then_a_second_run(tmp_path):
    with harness(tmp_path / "visma") as h:
        for n, point in enumerate(("after_send", "after_send", "before_send"), start=1):
            prefix = f"k{n}"
            warehouse = tmp_path / f"{prefix}.duckdb"
            conn = duckdb.connect(str(warehouse))
            expected = make_books(conn, prefix)
            conn.close()
            # kill at the n-th send: after Visma accepted, before the answer is recorded
            done = subprocess.run(
                [sys.executable, "-c", KILLED_RUN, h.url, str(warehouse),
                 str(tmp_path / "tokens"), point, str(n + 2)],
                cwd=Path(__file__).parents[2], capture_output=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
            conn = duckdb.connect(str(warehouse))
            left = conn.execute(
                "SELECT count(*) FROM posting.outbox WHERE state = 'sent'"
            ).fetchone()[0]
            assert left == 1  # the row the kill interrupted
            with client_for(h, tmp_path / "tokens") as client:
                summary = Poster(conn, MAPPING, {"main": client}, settle_s=0.5).run(*WINDOW)
            assert summary.recovered == (1 if point == "after_send" else 0)
            assert visma_items(h.state_dir, prefix) == Counter({doc: 1 for doc in expected})
            assert receivables(h.state_dir, prefix) == {
                doc: total for doc, total in expected.items()
            }
            conn.close()
    assert os.environ.get("VISMA_REFRESH_TOKEN") is None
