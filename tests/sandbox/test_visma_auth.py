"""The Visma simulator's identity server and bearer checks, over real HTTP."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ornd_visma.sandbox.visma import sandbox_refresh_token, sandbox_tokens
from tests.sandbox.visma_fixtures import Harness, harness

REDIRECT = "http://127.0.0.1:9999/callback"
SCOPE = "ea:api offline_access ea:sales ea:accounting"


@pytest.fixture
def sim(tmp_path) -> Iterator[Harness]:
    with harness(tmp_path) as h:
        yield h


def authorize(sim: Harness, **over: str) -> httpx.Response:
    params = {
        "client_id": "sandbox",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPE,
        "state": "xyz",
    }
    params.update(over)
    return httpx.get(f"{sim.url}/connect/authorize", params=params)


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def token(
    sim: Harness, auth: tuple[str, str] | None = ("sandbox", "sandbox"), **form: str
) -> httpx.Response:
    return httpx.post(f"{sim.url}/connect/token", data=form, auth=auth)


def exchange(sim: Harness, code: str) -> httpx.Response:
    return token(sim, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)


def test_authorization_code_flow_gives_tokens_that_open_the_api(sim):
    response = authorize(sim)
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    answer = exchange(sim, code_of(response))
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2 and body["refresh_token"]
    api = httpx.get(
        f"{sim.url}/v2/customers", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert api.status_code == 200 and api.json()["Data"] == []


def test_client_credentials_in_the_form_work_too(sim):
    answer = token(
        sim,
        auth=None,
        grant_type="authorization_code",
        code=code_of(authorize(sim)),
        redirect_uri=REDIRECT,
        client_id="sandbox",
        client_secret="sandbox",
    )
    assert answer.status_code == 200


def test_code_is_single_use(sim):
    code = code_of(authorize(sim))
    assert exchange(sim, code).status_code == 200
    again = exchange(sim, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_expires_after_five_minutes(sim):
    fresh = code_of(authorize(sim))
    stale = code_of(authorize(sim))
    sim.advance(299)
    assert exchange(sim, fresh).status_code == 200
    sim.advance(2)
    expired = exchange(sim, stale)
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization(sim):
    code = code_of(authorize(sim))
    answer = token(
        sim, grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:9999/other"
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_refresh_tokens_rotate_and_old_ones_are_refused(sim):
    first = exchange(sim, code_of(authorize(sim))).json()
    second = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    reused = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    third = token(sim, grant_type="refresh_token", refresh_token=rotated["refresh_token"])
    assert third.status_code == 200


def test_revoked_refresh_token_is_refused(sim):
    refresh = sandbox_refresh_token(sim.url)
    revoked = httpx.post(
        f"{sim.url}/connect/revocation",
        auth=("sandbox", "sandbox"),
        data={"token": refresh, "token_type_hint": "refresh_token"},
    )
    assert revoked.status_code == 200
    answer = token(sim, grant_type="refresh_token", refresh_token=refresh)
    assert answer.json()["error"] == "invalid_grant"


def test_token_requests_must_be_form_encoded_and_authenticated(sim):
    code = code_of(authorize(sim))
    as_json = httpx.post(
        f"{sim.url}/connect/token",
        auth=("sandbox", "sandbox"),
        json={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    wrong = token(
        sim,
        auth=("sandbox", "nope"),
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    grant = token(sim, grant_type="client_credentials")
    assert grant.json()["error"] == "unsupported_grant_type"


def test_authorize_refuses_unknown_clients_and_foreign_redirects_without_redirecting(sim):
    assert authorize(sim, client_id="other").status_code == 400
    assert authorize(sim, redirect_uri="https://evil.example/cb").status_code == 400
    bad_type = authorize(sim, response_type="token")
    assert (
        bad_type.status_code == 302
        and "error=unsupported_response_type" in bad_type.headers["location"]
    )
    no_api = authorize(sim, scope="ea:sales")
    assert "error=invalid_scope" in no_api.headers["location"]


def test_missing_malformed_and_expired_bearer_tokens_get_401(sim):
    tokens = sandbox_tokens(sim.url)
    url = f"{sim.url}/v2/customers"
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.json()["ErrorCode"] == 4005
    assert "invalid_token" in missing.headers["www-authenticate"]
    assert httpx.get(url, headers={"Authorization": "Bearer abc.def.ghi"}).status_code == 401
    headers = {"Authorization": f"Bearer {tokens.access_token}"}
    sim.advance(3599)
    assert httpx.get(url, headers=headers).status_code == 200
    sim.advance(2)
    expired = httpx.get(url, headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["DeveloperErrorMessage"]


def test_scopes_from_the_spec_are_enforced(sim):
    sales_only = sim.client(scope="ea:api offline_access ea:sales")
    assert sales_only.get("/customers").status_code == 200
    denied = sales_only.get("/vouchers")
    assert denied.status_code == 403 and denied.json()["ErrorCode"] == 4006


def test_access_tokens_survive_a_restart(tmp_path):
    with harness(tmp_path) as sim:
        tokens = sandbox_tokens(sim.url)
    with harness(tmp_path) as sim:
        api = httpx.get(
            f"{sim.url}/v2/customers", headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
        assert api.status_code == 200
        refreshed = token(sim, grant_type="refresh_token", refresh_token=tokens.refresh_token)
        assert refreshed.status_code == 200
