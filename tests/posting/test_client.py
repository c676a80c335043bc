"""The Visma client against the simulator: tokens, paging, rate limit, retries, ambiguity."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ornd_visma.sandbox.visma import sandbox_refresh_token
from ornd_visma.visma import AmbiguousWrite, TokenStore, VismaApiError, endpoint
from ornd_visma.visma.rate_limit import retry_after_seconds
from tests.posting.conftest import make_client


def _customer(api, number: str) -> dict:
    terms = api.list_all("/termsofpayments")[0]["Id"]
    return {
        "CustomerNumber": number,
        "Name": f"Kund {number}",
        "InvoiceCity": "Stockholm",
        "InvoicePostalCode": "11122",
        "IsActive": True,
        "IsPrivatePerson": False,
        "TermsOfPaymentId": terms,
    }


def test_endpoint_templates_and_retry_after():
    assert endpoint("post", "/v2/customers") == "POST /v2/customers"
    assert (
        endpoint("GET", "/v2/vouchers/3f1c0d2e-1111-2222-3333-444455556666/17")
        == "GET /v2/vouchers/{id}/{id}"
    )
    message = "API calls quota exceeded! maximum admitted 600 per Minute. Try again in 55 seconds."
    assert retry_after_seconds(message) == 55.0
    assert retry_after_seconds("no hint") == 60.0


def test_list_all_reads_every_page(sim, client):
    for n in range(7):
        client.post("/customers", _customer(client, f"P-{n}"))
    numbers = {c["CustomerNumber"] for c in client.list_all("/customers", page_size=3)}
    assert numbers == {f"P-{n}" for n in range(7)}
    # 7 customers, 3 a page: pages 1, 2, 3
    assert sim.visma.stats.snapshot()["requests"]["GET /v2/customers"]["200"] == 3


def test_refresh_token_rotates_and_is_stored_0600(sim, tmp_path):
    seed = sandbox_refresh_token(sim.url)
    tokens = tmp_path / "tokens"
    with make_client(sim, tokens, refresh_token=seed) as c:
        assert c.list_all("/fiscalyears")
    stored = TokenStore(tokens, "default").read()
    assert stored["refresh_token"] != seed
    assert stat.S_IMODE(os.stat(tokens / "visma-tokens" / "default.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tokens / "visma-tokens").st_mode) == 0o700
    # the seed was spent: Visma refuses it now (a real client would be locked out)
    spent = httpx.post(
        f"{sim.url}/connect/token",
        auth=("sandbox", "sandbox"),
        data={"grant_type": "refresh_token", "refresh_token": seed},
    )
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    # the stored chain goes on: force a refresh with the stored token
    with make_client(sim, tokens, refresh_token=seed) as c:
        c._bearer(force=True)
        assert c.get("/companysettings")


CRASH = """
import os, signal, sys
from pathlib import Path
from ornd_visma.visma import TokenStore, VismaClient
from ornd_visma.visma.settings import VismaSettings
url, tokens, seed = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
settings = VismaSettings("default", url + "/v2", url, "sandbox", "sandbox", seed)
client = VismaClient(settings, TokenStore(tokens, "default"))
client._bearer()  # rotates: the seed is spent, the successor stored
os.kill(os.getpid(), signal.SIGKILL)  # crash before the token is ever used
"""


def test_rotated_refresh_token_survives_a_kill(sim, tmp_path):
    seed = sandbox_refresh_token(sim.url)
    tokens = tmp_path / "tokens"
    done = subprocess.run(
        [sys.executable, "-c", CRASH, sim.url, str(tokens), seed],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == -9, done.stderr
    stored = TokenStore(tokens, "default").read()
    assert stored["refresh_token"] != seed
    # a new process goes on from the stored token, refreshing it again
    with make_client(sim, tokens, refresh_token=seed) as c:
        c._bearer(force=True)
        assert c.list_all("/fiscalyears")
    assert TokenStore(tokens, "default").read()["refresh_token"] != stored["refresh_token"]


def test_a_new_seed_in_the_environment_wins_over_the_stored_chain(sim, tmp_path):
    tokens = tmp_path / "tokens"
    with make_client(sim, tokens, refresh_token=sandbox_refresh_token(sim.url)) as c:
        c.get("/fiscalyears")
    new_seed = sandbox_refresh_token(sim.url)
    with make_client(sim, tokens, refresh_token=new_seed) as c:
        c.get("/fiscalyears")
    assert TokenStore(tokens, "default").read()["refresh_token"] not in (new_seed, None)


def test_rate_limit_4010_backs_off_and_succeeds(sim, tmp_path):
    sim.options(rate_limit_per_minute=5)
    # the client believes in 100 a minute, so Visma has to refuse it
    with make_client(sim, tmp_path / "t", per_minute=100) as c:
        for _ in range(12):
            c.get("/fiscalyears")
    answers = sim.visma.stats.snapshot()["requests"]["GET /v2/fiscalyears"]
    assert answers["200"] == 12
    assert answers.get("429", 0) >= 1


def test_client_limiter_keeps_below_the_limit(sim, tmp_path):
    sim.options(rate_limit_per_minute=10)
    with make_client(sim, tmp_path / "t", per_minute=10) as c:
        for _ in range(25):
            c.get("/fiscalyears")
    answers = sim.visma.stats.snapshot()["requests"]["GET /v2/fiscalyears"]
    assert answers == {"200": 25}


def test_reads_are_retried_on_server_errors(sim, client):
    sim.options(error_rate=0.5, fault_seed=3)
    for _ in range(10):
        assert client.get("/companysettings")
    answers = sim.visma.stats.snapshot()["requests"]["GET /v2/companysettings"]
    assert answers["200"] == 10
    assert answers.get("500", 0) + answers.get("503", 0) >= 1


def test_dropped_post_without_lookup_is_ambiguous_not_retried(sim, client):
    body = _customer(client, "AMB-1")
    sim.options(drop_after_commit_rate=1.0)
    with pytest.raises(AmbiguousWrite):
        client.post("/customers", body)
    sim.options(drop_after_commit_rate=0.0)
    found = client.list_all("/customers", {"$filter": "CustomerNumber eq 'AMB-1'"})
    assert len(found) == 1  # stored once, never sent twice


def test_dropped_post_with_lookup_returns_what_visma_holds(sim, client):
    body = _customer(client, "AMB-2")

    def find():
        sim.options(drop_after_commit_rate=0.0)  # the connection is back
        hits = client.list_all("/customers", {"$filter": "CustomerNumber eq 'AMB-2'"})
        return hits[0] if hits else None

    sim.options(drop_after_commit_rate=1.0)
    created = client.post("/customers", body, find_existing=find)
    assert created["CustomerNumber"] == "AMB-2"
    assert len(client.list_all("/customers", {"$filter": "CustomerNumber eq 'AMB-2'"})) == 1
    assert sim.visma.stats.snapshot()["requests"]["POST /v2/customers"] == {"dropped": 1}


def test_timed_out_post_is_ambiguous_and_lands_once(sim, client):
    """A timed-out write may still be stored by Visma after the client gave up (the
    simulator handles it 1 s later): no look-up and no retry now, only AmbiguousWrite."""
    body = _customer(client, "TMO-1")
    sim.options(timeout_rate=1.0)
    with pytest.raises(AmbiguousWrite):
        client.post("/customers", body, find_existing=lambda: pytest.fail("looked too early"))
    sim.options(timeout_rate=0.0)
    time.sleep(1.5)  # let the simulator finish the request it was still handling
    assert len(client.list_all("/customers", {"$filter": "CustomerNumber eq 'TMO-1'"})) == 1
    assert sim.visma.stats.snapshot()["requests"]["POST /v2/customers"] == {"201": 1}


def test_refusals_raise_with_visma_message(client):
    with pytest.raises(VismaApiError) as caught:
        client.post("/customers", {"Name": "No city"})
    assert caught.value.status == 400
    assert caught.value.error_code == 2000


def test_a_real_client_with_a_spent_token_is_told_to_consent_again(tmp_path):
    from ornd_visma.sandbox.visma import VismaOptions, sandbox_tokens
    from ornd_visma.visma import VismaAuthError, VismaClient, VismaSettings
    from tests.sandbox.visma_fixtures import harness

    options = VismaOptions(client_id="realapp", client_secret="s3cret")
    with harness(tmp_path / "visma", options) as h:
        seed = sandbox_tokens(h.url, client_id="realapp", client_secret="s3cret").refresh_token
        settings = VismaSettings("main", f"{h.url}/v2", h.url, "realapp", "s3cret", seed)
        with VismaClient(settings, TokenStore(tmp_path / "a", "main")) as c:
            c.get("/companysettings")  # spends the seed, stores its successor
        forgot = TokenStore(tmp_path / "b", "main")  # a store that lost the rotation
        with VismaClient(settings, forgot) as c, pytest.raises(VismaAuthError, match="consent"):
            c.get("/companysettings")


KILLED_IN_FLIGHT = """
import os, signal, sys
from pathlib import Path
from ornd_visma.visma import TokenStore, VismaClient
from ornd_visma.visma.settings import VismaSettings
url, tokens, seed = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
settings = VismaSettings("main", url + "/v2", url, "realapp", "s3cret", seed)
client = VismaClient(settings, TokenStore(tokens, "main"))
real = client._refresh
def die_after_visma_rotated(token):
    real(token)  # Visma has rotated; its answer dies with us, before it is stored
    os.kill(os.getpid(), signal.SIGKILL)
client._refresh = die_after_visma_rotated
client._bearer()
"""


def test_a_refresh_killed_in_flight_is_detected_and_names_the_consent_command(tmp_path):
    from ornd_visma.sandbox.visma import VismaOptions, sandbox_tokens
    from ornd_visma.visma import VismaClient, VismaSettings
    from ornd_visma.visma.tokens import TokenLost
    from tests.sandbox.visma_fixtures import harness

    options = VismaOptions(client_id="realapp", client_secret="s3cret")
    with harness(tmp_path / "visma", options) as h:
        seed = sandbox_tokens(h.url, client_id="realapp", client_secret="s3cret").refresh_token
        tokens = tmp_path / "tokens"
        done = subprocess.run(
            [sys.executable, "-c", KILLED_IN_FLIGHT, h.url, str(tokens), seed],
            cwd=Path(__file__).parents[2], capture_output=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == -9, done.stderr
        store = TokenStore(tokens, "main")
        assert store.interrupted_refresh(seed) is not None  # the marker outlived the kill
        settings = VismaSettings("main", f"{h.url}/v2", h.url, "realapp", "s3cret", seed)
        with VismaClient(settings, store) as c, pytest.raises(TokenLost) as lost:
            c.get("/companysettings")
        message = str(lost.value)
        assert "was interrupted before its answer was stored" in message
        assert message.endswith("Consent again: ornd-visma connect visma --entity main")
        # a refused token without an interrupted refresh is the plain refusal, marker gone
        other = TokenStore(tmp_path / "other", "main")
        with VismaClient(settings, other) as c, pytest.raises(RuntimeError) as refused:
            c.get("/companysettings")
        assert not isinstance(refused.value, TokenLost)
        assert not other.inflight_path.exists()
