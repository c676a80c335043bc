"""Benchmark: posting throughput against the Visma simulator's rate limit.

Visma allows 600 requests a minute per client and endpoint. Posting is one
`POST /customerledgeritems/customerledgeritemswithvoucher` per document, so that endpoint
sets the pace: a run of N documents cannot take less than N / 600 minutes. The benchmark
posts N hand-made documents of C customers (the warehouse built the way the posting tests
build it) to a simulator whose clock runs `--speed` times faster than real time, shared with
the client's limiter (a compressed clock: a simulated minute lasts 60 / speed seconds), and
reports

* the ledger endpoint's rate over the documents' phase, in requests per simulated minute,
  against the allowed 600 (target: at least 90 %),
* failed documents (target: none), 429 answers, and every request by endpoint.

    .venv/bin/python bench/post.py [--documents 1500] [--customers 100] [--speed 5]
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping  # noqa: E402
from ornd_visma.posting.poster import Poster  # noqa: E402
from ornd_visma.sandbox.server import running  # noqa: E402
from ornd_visma.sandbox.visma import SimClock, VismaOptions, create_visma_app  # noqa: E402
from ornd_visma.visma import EndpointLimiter, TokenStore, VismaClient, VismaSettings  # noqa: E402
from tests.posting.books import Books, Line  # noqa: E402

LEDGER = "POST /customerledgeritems/customerledgeritemswithvoucher"  # as the client names it
ALLOWED = 600


class CompressedClock(SimClock):
    """The simulator's clock, running `speed` times faster than real time."""

    def __init__(self, start: datetime, speed: float) -> None:
        super().__init__(start)
        self.speed = speed

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        elapsed = (time.monotonic() - self._origin) * self.speed + offset
        return self._start + timedelta(seconds=elapsed)


def build(conn: duckdb.DuckDBPyConnection, documents: int, customers: int) -> None:
    books = Books(conn)
    for c in range(customers):
        books.company(f"c{c}", f"Kund {c} AB")
    for n in range(documents):
        lines = [Line(3001, Decimal(1000 + n % 97) + Decimal("0.25"))]
        if n % 3 == 0:
            lines.append(Line(3911, Decimal("333.33"), Decimal(0)))
        books.document(f"d{n}", f"{n + 1:06d}-STH", f"c{n % customers}",
                       date(2026, 6, 1) + timedelta(days=n % 28), lines)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1500)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--speed", type=float, default=5.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-post-"))
    conn = duckdb.connect(str(work / "wh.duckdb"))
    build(conn, args.documents, args.customers)
    clock = CompressedClock(datetime(2026, 7, 1, 9, tzinfo=UTC), args.speed)
    app = create_visma_app(work / "visma", VismaOptions(rate_limit_per_minute=ALLOWED), clock=clock)
    limiter = EndpointLimiter(clock=clock.seconds, sleep=lambda s: time.sleep(s / args.speed))
    stamps: list[float] = []
    with running(app) as url:
        settings = VismaSettings("main", f"{url}/v2", url, "sandbox", "sandbox")
        with VismaClient(settings, TokenStore(work, "main"), limiter=limiter) as client:
            poster = Poster(conn, load_mapping(SANDBOX_MAPPING), {"main": client})
            record = client.on_exchange

            def timed(exchange):
                record(exchange)
                if exchange.endpoint == LEDGER and exchange.outcome == "ok":
                    stamps.append(clock.seconds())

            client.on_exchange = timed  # the audit, plus a stamp per ledger post
            t0, s0 = time.perf_counter(), clock.seconds()
            summary = poster.run(date(2026, 6, 1), date(2026, 7, 1))
            wall, simulated = time.perf_counter() - t0, clock.seconds() - s0
        stats = app.state.visma.stats.snapshot()
    failed = conn.execute(
        "SELECT count(*) FROM posting.outbox WHERE state <> 'confirmed'"
    ).fetchone()[0]
    ledger_minutes = (stamps[-1] - stamps[0]) / 60 if len(stamps) > 1 else float("nan")
    rate = (len(stamps) - 1) / ledger_minutes if len(stamps) > 1 else 0.0
    too_many = sum(v.get("429", 0) for v in stats["requests"].values())
    print(f"{args.documents} documents, {args.customers} customers, clock × {args.speed}")
    print(f"wall {wall:.1f} s, simulated {simulated / 60:.2f} min, requests {stats['total']}, "
          f"429 answers {too_many}")  # fmt: skip
    for endpoint, answers in stats["requests"].items():
        print(f"  {endpoint:<70}{answers}")
    print(
        f"ledger endpoint: {len(stamps)} posts in {ledger_minutes:.2f} simulated min = "
        f"{rate:.0f}/min = {rate / ALLOWED:.1%} of the allowed {ALLOWED}/min (target ≥ 90 %)"
    )
    print(f"documents not confirmed: {failed} (target 0); failed {len(summary.failed)}")
    return 0 if rate >= 0.9 * ALLOWED and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
