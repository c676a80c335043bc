"""The first consent: Visma's authorization-code flow (reference §1.2), run from a terminal.

1. The authorize URL names our client, the scopes the product needs (`SCOPES`), a loopback
   redirect URI and a random `state`; the user opens it (we open a browser where there is one)
   and picks the company.
2. A one-shot HTTP server on the redirect URI (127.0.0.1 only) takes the redirect, checks
   `state` (another value is refused: someone else's redirect), and keeps the code.
3. The code (single use, 5 minutes) is exchanged at `/connect/token` with Basic auth and a
   form body, like a refresh.

The redirect URI must be registered for the client in Visma's developer portal; the default
`DEFAULT_REDIRECT_URI` is what the README tells an operator to register. The sandbox's
identity server consents by itself and accepts any loopback redirect, so against it the
authorize URL is followed without a browser and the same code path runs end to end.
"""

import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from ornd_visma.visma.settings import VismaSettings
from ornd_visma.visma.tokens import Tokens

SCOPES = ("ea:api", "offline_access", "ea:sales", "ea:accounting")
# Only companies with eAccounting in the company picker (reference §1.2).
ACR_VALUES = "service:44643EB1-3F76-4C1C-A672-402AE8085934"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DONE_PAGE = b"<html><body><h1>Connected</h1><p>You can close this tab.</p></body></html>"


class ConsentError(RuntimeError):
    """The consent did not complete (refused, timed out, wrong state, bad redirect URI)."""


def authorize_url(settings: VismaSettings, redirect_uri: str, state: str) -> str:
    params = {
        "client_id": settings.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(SCOPES),
        "state": state,
        "response_type": "code",
    }
    if not settings.is_sandbox:  # "not in sandbox" (reference §1.2)
        params |= {"prompt": "select_account", "acr_values": ACR_VALUES}
    return f"{settings.auth_url.rstrip('/')}/connect/authorize?{urlencode(params)}"


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], path: str) -> None:
        super().__init__(address, _Handler)
        self.path = path
        self.query: dict[str, list[str]] | None = None
        self.arrived = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self.send_error(404)
            return
        self.server.query = parse_qs(parts.query)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(DONE_PAGE)
        self.server.arrived.set()

    def log_message(self, *args: object) -> None:  # the code must not reach a terminal log
        pass


def _receiver(redirect_uri: str) -> _Receiver:
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise ConsentError(
            f"redirect URI {redirect_uri} must be http://127.0.0.1:<port>/<path> (a loopback "
            "address this command can listen on)"
        )
    try:
        return _Receiver(("127.0.0.1", parts.port or 80), parts.path or "/")
    except OSError as error:
        raise ConsentError(f"cannot listen on {redirect_uri}: {error.strerror}") from None


def receive_code(
    settings: VismaSettings,
    redirect_uri: str,
    show: Callable[[str], None],
    *,
    timeout_s: float = 300.0,
    state: str | None = None,
) -> str:
    """Show the authorize URL (`show` prints or opens it), wait for the redirect and return
    the code; ConsentError on a refusal, a wrong state or after `timeout_s`."""
    state = state or secrets.token_urlsafe(24)
    server = _receiver(redirect_uri)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        show(authorize_url(settings, redirect_uri, state))
        deadline = time.monotonic() + timeout_s
        while not server.arrived.wait(0.2):  # short waits: Ctrl-C stays responsive
            if time.monotonic() > deadline:
                raise ConsentError(f"no answer from Visma's consent page within {timeout_s:.0f} s")
        query = server.query or {}
    finally:
        server.shutdown()
        server.server_close()
    if query.get("state", [None])[0] != state:
        raise ConsentError("the redirect carried another state: not our consent, refused")
    if "error" in query:
        detail = query.get("error_description", [""])[0]
        raise ConsentError(f"Visma refused the consent: {query['error'][0]} {detail}".strip())
    if "code" not in query:
        raise ConsentError("the redirect carried no code")
    return query["code"][0]


def exchange_code(settings: VismaSettings, code: str, redirect_uri: str) -> Tokens:
    """The code's tokens (`/connect/token`, Basic auth, form body)."""
    url = f"{settings.auth_url.rstrip('/')}/connect/token"
    try:
        answer = httpx.post(
            url,
            auth=(settings.client_id, settings.client_secret),
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise ConsentError(f"cannot reach Visma's identity server {url}: {error}") from None
    if answer.status_code != 200:
        raise ConsentError(
            f"Visma refused the code ({answer.status_code} {answer.text[:200]}): check the "
            "client id and secret and that the redirect URI is registered for the client"
        )
    body = answer.json()
    return Tokens(
        body["access_token"], time.time() + float(body.get("expires_in", 3600)),
        body["refresh_token"],
    )  # fmt: skip


def follow_sandbox_consent(url: str) -> None:
    """The sandbox consents by itself: follow its redirect to our receiver, as a browser would."""
    httpx.get(url, follow_redirects=True, timeout=10.0)
