"""`ornd-visma connect`: the first Visma consent through the authorization-code flow (a real
client's path: the URL shown, a browser follows it, the redirect caught on loopback, `state`
checked, the code exchanged, the token stored and used), the sandbox's self-consent, and the
OfficeRnD credentials check."""

import argparse
import socket
import threading

import httpx
import pytest

from ornd_visma import connect
from ornd_visma.sandbox.visma import VismaOptions
from ornd_visma.visma import TokenStore
from ornd_visma.visma.consent import ConsentError, receive_code
from ornd_visma.visma.settings import visma_settings
from tests.sandbox.visma_fixtures import harness

REAL = VismaOptions(client_id="realapp", client_secret="s3cret")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _args(**over) -> argparse.Namespace:
    values = {"service": "visma", "entity": None, "no_browser": False, "timeout": 20.0,
              "redirect_uri": f"http://127.0.0.1:{_port()}/callback"}  # fmt: skip
    return argparse.Namespace(**{**values, **over})


def _browser(url: str) -> bool:
    """A user who signs in: follow the authorize URL and its redirect, as a browser does."""
    threading.Thread(target=httpx.get, args=(url,), kwargs={"follow_redirects": True}).start()
    return True


@pytest.fixture
def visma(tmp_path, monkeypatch):
    monkeypatch.setenv("ORND_VISMA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("ORND_VISMA_MAPPING", raising=False)
    with harness(tmp_path / "visma", REAL) as h:
        monkeypatch.setenv("VISMA_API_URL", f"{h.url}/v2")
        monkeypatch.setenv("VISMA_AUTH_URL", h.url)
        yield h


def test_a_real_client_consents_once_and_the_token_works(visma, tmp_path, monkeypatch):
    monkeypatch.setenv("VISMA_CLIENT_ID", "realapp")
    monkeypatch.setenv("VISMA_CLIENT_SECRET", "s3cret")
    monkeypatch.setattr(connect.webbrowser, "open", _browser)
    said: list[str] = []
    assert connect.connect_visma(_args(), said.append) == 0
    url = said[1].strip()
    assert url.startswith(f"{visma.url}/connect/authorize?client_id=realapp&redirect_uri=")
    assert "scope=ea%3Aapi+offline_access+ea%3Asales+ea%3Aaccounting" in url
    assert "prompt=select_account" in url and "state=" in url
    assert said[2].startswith("connected: the refresh token of entity main is in ")
    assert said[3] == "company: Sandbox Coworking AB (org. nr 559999-0001)"
    assert any(line.startswith("fiscal year 2026-01-01 .. 2026-12-31") for line in said)
    stored = TokenStore(tmp_path / "state", "main").read()
    assert stored["refresh_token"] and stored["access_token"]
    # the next process goes on from the stored token, no variable holding one
    from ornd_visma.visma import VismaClient

    settings = visma_settings("main", "VISMA")
    with VismaClient(settings, TokenStore(tmp_path / "state", "main")) as client:
        assert client.get("/companysettings")["Name"] == "Sandbox Coworking AB"


def test_the_sandbox_consents_by_itself(visma, tmp_path, monkeypatch):
    visma.options(client_id="sandbox", client_secret="sandbox")  # the sandbox client
    said: list[str] = []
    assert connect.connect_visma(_args(), said.append) == 0
    assert said[0].startswith("sandbox: consenting at ")
    assert "company: Sandbox Coworking AB (org. nr 559999-0001)" in said


def test_another_state_or_no_answer_is_refused(visma):
    settings = visma_settings("main", "VISMA", {"VISMA_API_URL": f"{visma.url}/v2"})
    uri = f"http://127.0.0.1:{_port()}/callback"

    def forged(url: str) -> None:  # a redirect that is not the answer to our consent
        threading.Thread(target=httpx.get, args=(f"{uri}?code=stolen&state=other",)).start()

    with pytest.raises(ConsentError, match="another state"):
        receive_code(settings, uri, forged, timeout_s=10)
    with pytest.raises(ConsentError, match="within 1 s"):
        receive_code(settings, f"http://127.0.0.1:{_port()}/callback", lambda url: None,
                     timeout_s=1)  # fmt: skip


def test_bad_input_is_one_line(visma, capsys):
    assert connect.run(_args(entity="nowhere")) == 1
    err = capsys.readouterr().err.strip()
    assert err == "ornd-visma connect visma: --entity nowhere: the mapping has no such entity " \
                  "(it has: main)"  # fmt: skip
    assert connect.run(_args(redirect_uri="https://example.com/cb")) == 1
    assert "must be http://127.0.0.1" in capsys.readouterr().err


def test_connect_officernd_names_the_organization_and_the_scopes(small_dir, tmp_path, monkeypatch):
    from ornd_visma.officernd.collections import ALL_READ_SCOPES
    from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
    from ornd_visma.sandbox.server import running

    app = create_officernd_app(small_dir, tmp_path / "ornd", OfficeRnDOptions())
    with running(app) as base:
        monkeypatch.setenv("OFFICERND_API_URL", f"{base}/api/v2")
        monkeypatch.setenv("OFFICERND_AUTH_URL", base)
        said: list[str] = []
        assert connect.connect_officernd(_args(service="officernd"), said.append) == 0
        # the small operator has one location
        assert said[0].startswith("organization sandbox: 1 locations: ")
        assert said[1] == f"scopes granted: {len(ALL_READ_SCOPES)} of {len(ALL_READ_SCOPES)}"
        monkeypatch.setenv("OFFICERND_CLIENT_ID", "someone")
        monkeypatch.setenv("OFFICERND_CLIENT_SECRET", "wrong")
        monkeypatch.setenv("OFFICERND_ORG_SLUG", "sandbox")
        said.clear()
        assert connect.connect_officernd(_args(service="officernd"), said.append) == 1
        assert said[0].startswith("OfficeRnD refused the client credentials for the needed scopes")
    monkeypatch.setenv("OFFICERND_AUTH_URL", f"http://127.0.0.1:{_port()}")
    assert connect.run(_args(service="officernd")) == 1
