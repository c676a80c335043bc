"""Rate limit (429 / 4010 "Try again in N seconds", per client and endpoint, recovery on the
simulated clock) and the fault knobs: latency, 5xx, timeouts, drop after commit."""

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from ornd_visma.sandbox.visma import VismaOptions
from tests.sandbox.visma_fixtures import Company, Harness, harness

MESSAGE = re.compile(
    r"^API calls quota exceeded! maximum admitted 5 per Minute\. "
    r"Try again in (\d+) seconds\.$"
)


@pytest.fixture
def limited(tmp_path) -> Iterator[Harness]:
    with harness(tmp_path, VismaOptions(rate_limit_per_minute=5)) as h:
        yield h


@pytest.fixture
def sim(tmp_path) -> Iterator[Harness]:
    with harness(tmp_path) as h:
        yield h


def test_rate_limit_then_recovery(limited):
    sim = limited
    api = sim.client()
    for _ in range(5):
        assert api.get("/customers").status_code == 200
    sim.advance(20)
    refused = api.get("/customers")
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"ErrorCode", "DeveloperErrorMessage", "ErrorId"}
    assert body["ErrorCode"] == 4010
    wait = int(MESSAGE.match(body["DeveloperErrorMessage"]).group(1))
    assert 39 <= wait <= 40
    # per endpoint: other endpoints and other methods still answer
    assert api.get("/articles").status_code == 200
    assert api.get(f"/customers/{'0' * 8}-0000-0000-0000-{'0' * 12}").status_code == 404
    sim.advance(wait - 2)
    assert api.get("/customers").status_code == 429
    sim.advance(2)
    assert api.get("/customers").status_code == 200
    stats = sim.admin("GET", "stats").json()["requests"]["GET /v2/customers"]
    assert stats == {"200": 6, "429": 2}


def test_rate_limit_counts_per_client(limited):
    sim = limited
    first, second = sim.client(), sim.client(scope="ea:api ea:sales")
    for _ in range(5):
        first.get("/units")
    assert first.get("/units").status_code == 429
    # the same sandbox client id: the limit is per client, so a second token shares it
    assert second.get("/units").status_code == 429


def test_rate_limit_can_change_at_runtime(limited):
    sim = limited
    api = sim.client()
    sim.options(rate_limit_per_minute=2)
    assert [api.get("/units").status_code for _ in range(3)] == [200, 200, 429]
    sim.options(rate_limit_per_minute=600)
    assert api.get("/units").status_code == 200


def test_error_rate_answers_5xx_and_stores_nothing(sim):
    api = sim.client()
    company = Company(api)
    sim.options(error_rate=1.0)
    statuses = {api.post("/customers", json=company.customer_body()).status_code for _ in range(4)}
    assert statuses <= {500, 503} and statuses
    sim.options(error_rate=0.0)
    assert api.get("/customers").json()["Data"] == []


def test_error_body_of_a_500_is_visma_shaped(sim):
    api = sim.client()
    sim.options(error_rate=1.0, fault_seed=3)
    for _ in range(6):
        response = api.get("/units")
        if response.status_code == 500:
            assert response.json()["ErrorCode"] == 5000
            break
    else:
        pytest.fail("no 500 drawn")


def test_fault_draw_repeats_for_the_same_seed(sim):
    api = sim.client()
    runs = []
    for _ in range(2):
        sim.options(error_rate=0.5, fault_seed=11)
        runs.append([api.get("/units").status_code for _ in range(4)])
    assert runs[0] == runs[1] and len(set(runs[0])) > 1


def test_latency(sim):
    api = sim.client()
    sim.options(latency_ms=150)
    started = time.monotonic()
    assert api.get("/units").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_timeout_outlasts_the_client_yet_the_write_is_stored(sim):
    api = sim.client()
    company = Company(api)
    body = company.customer_body(CustomerNumber="SLOW-1")
    sim.options(timeout_rate=1.0, timeout_seconds=0.5)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/customers", json=body, timeout=0.15)
    sim.options(timeout_rate=0.0)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        found = api.get("/customers", params={"$filter": "CustomerNumber eq 'SLOW-1'"}).json()
        if found["Data"]:
            break
        time.sleep(0.05)
    assert found["Meta"]["TotalNumberOfResults"] == 1


def test_drop_after_commit_stores_the_document_but_the_client_sees_no_answer(sim):
    api = sim.client()
    company = Company(api)
    sim.options(drop_after_commit_rate=1.0)
    assert api.get("/units").status_code == 200  # reads are never dropped
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/customers", json=company.customer_body(CustomerNumber="DROP-1"))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(
            "/vouchers",
            json={
                "VoucherDate": "2026-06-10",
                "VoucherText": "x",
                "Rows": [
                    {"AccountNumber": 1930, "DebitAmount": 1},
                    {"AccountNumber": 3001, "CreditAmount": 1},
                ],
            },
        )
    # a refused write is answered normally: nothing was stored, nothing to hide
    assert api.post("/customers", json={"Name": "x"}).status_code == 400
    sim.options(drop_after_commit_rate=0.0)
    found = api.get("/customers", params={"$filter": "CustomerNumber eq 'DROP-1'"}).json()
    assert found["Meta"]["TotalNumberOfResults"] == 1
    year = company.years["2026"]
    assert api.get(f"/vouchers/{year}").json()["Meta"]["TotalNumberOfResults"] == 1
    stats = sim.admin("GET", "stats").json()["requests"]
    assert stats["POST /v2/customers"]["dropped"] == 1


def test_options_reject_nonsense(limited):
    sim = limited
    assert sim.admin("PUT", "options", {"error_rate": 2}).status_code == 400
    assert sim.admin("PUT", "options", {"bogus": 1}).status_code == 400
    current = sim.admin("GET", "options").json()
    assert current["rate_limit_per_minute"] == 5 and "client_secret" not in current
