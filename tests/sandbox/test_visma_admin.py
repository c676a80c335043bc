"""The Visma simulator's `/_sandbox/` controls: options, clock, lock period, stats, state."""

from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.visma_fixtures import Harness, harness, voucher_body


@pytest.fixture
def sim(tmp_path) -> Iterator[Harness]:
    with harness(tmp_path) as h:
        yield h


def test_clock_moves_forward_only(sim):
    before = sim.admin("POST", "clock", {"advance_seconds": 0}).json()["now"]
    after = httpx.post(f"{sim.url}/_sandbox/clock", params={"seconds": 86400}).json()["now"]
    assert before.startswith("2026-06-15T09:00") and after.startswith("2026-06-16T09:00")
    assert sim.admin("POST", "clock", {"seconds": -1}).status_code == 400


def test_lock_period_accepts_common_spellings_and_unlocks(sim):
    api = sim.client()
    body = voucher_body([(1930, 1, None), (3001, None, 1)], day="2026-05-31")
    assert sim.admin("POST", "lock-period", {"lockedUntil": "2026-05-31"}).status_code == 200
    assert api.post("/vouchers", json=body).json()["ErrorCode"] == 4026
    assert sim.admin("POST", "lock-period", {"locked_until": None}).json() == {"locked_until": None}
    assert api.post("/vouchers", json=body).status_code == 201
    assert sim.admin("POST", "lock-period", {"until": "not a date"}).status_code == 400


def test_options_in_camel_case_and_from_the_query(sim):
    sim.admin("PUT", "options", {"rateLimitPerMinute": 7})
    assert sim.admin("GET", "options").json()["rate_limit_per_minute"] == 7
    httpx.put(f"{sim.url}/_sandbox/options", params={"latency_ms": "5"})
    assert sim.admin("GET", "options").json()["latency_ms"] == 5


def test_stats_count_per_endpoint_and_status(sim):
    api = sim.client()
    api.get("/units")
    api.post("/customers", json={})
    httpx.get(f"{sim.url}/v2/units")
    stats = sim.admin("GET", "stats").json()
    assert stats["requests"]["GET /v2/units"] == {"200": 1, "401": 1}
    assert stats["requests"]["POST /v2/customers"] == {"400": 1}
    assert stats["total"] == 3
