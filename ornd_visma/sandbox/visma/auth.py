"""The identity server, as eAccounting's (identity.vismaonline.com) behaves for the
authorization-code flow, plus bearer-token checks for the API.

* `GET /connect/authorize?client_id&redirect_uri&response_type=code&scope&state`: consent is
  given automatically (the sandbox has one user and one company); answers 302 to the
  redirect URI with `code` and `state`. An unknown client or a redirect URI that is not an
  http URL on 127.0.0.1/localhost gets a 400 error page, never a redirect; other problems are
  redirected as `error=...` (OAuth 2.0 §4.1.2.1). The code is single-use and valid 5 minutes.
* `POST /connect/token` (form-encoded only; client credentials by HTTP Basic or in the form):
  `authorization_code` (code + the same redirect_uri) and `refresh_token`. Answer
  `{access_token, token_type: "Bearer", expires_in: 3600, refresh_token, scope}`; a refresh
  token only when `offline_access` was granted. Refresh tokens rotate: each can be used once,
  a used, revoked or unknown one gets `400 {"error": "invalid_grant"}`. No absolute lifetime
  is enforced on refresh tokens (none is documented).
* `POST /connect/revocation` (`token`, `token_type_hint`): 200, the refresh token is dead.
* Access tokens are HS256 JWTs (`exp`, `client_id`, `scope`) signed with a key kept in the
  state, so they stay valid across a restart; a missing, malformed or expired bearer token
  gets 401 with `WWW-Authenticate: Bearer error="invalid_token"` and ErrorCode 4005.

Refresh tokens live in the persisted state, authorization codes only in memory.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ornd_visma.sandbox.visma.clock import SimClock
from ornd_visma.sandbox.visma.errors import NO_ACCESS_TO_SCOPES, NOT_AUTHORIZED, VismaError
from ornd_visma.sandbox.visma.options import VismaOptions
from ornd_visma.sandbox.visma.store import Store

KNOWN_SCOPES = {
    "ea:api",
    "offline_access",
    "ea:sales",
    "ea:sales_readonly",
    "ea:accounting",
    "ea:accounting_readonly",
    "ea:purchase",
    "ea:purchase_readonly",
    "vls:api",
    "openid",
    "profile",
    "email",
}
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Grant:
    """Who is calling the API: the client and the scopes its token carries."""

    client_id: str
    scopes: frozenset[str]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


class Identity:
    def __init__(self, store: Store, clock: SimClock, options: "Any") -> None:
        self.store = store
        self.clock = clock
        self._options = options  # a callable returning the current VismaOptions
        self._codes: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        secret = store.meta("jwt_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            with store.transaction():
                store.set_meta("jwt_secret", secret)
        self._secret = bytes.fromhex(secret)

    @property
    def options(self) -> VismaOptions:
        return self._options()

    # --- /connect/authorize -------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        options = self.options
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id != options.client_id:
            return _oauth_error("invalid_client", "Unknown client")
        if not redirect_uri or not options.redirect_uri_allowed(redirect_uri):
            return _oauth_error("invalid_request", "Invalid redirect_uri")
        state = params.get("state")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        scopes = params.get("scope", "").replace("+", " ").split()
        if "ea:api" not in scopes or not set(scopes) <= KNOWN_SCOPES:
            return _redirect(redirect_uri, error="invalid_scope", state=state)
        code = secrets.token_urlsafe(32)
        now = self.clock.seconds()
        with self._lock:
            for old in [c for c, e in self._codes.items() if e["expires"] < now - 3600]:
                del self._codes[old]
            self._codes[code] = {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scopes": scopes,
                "expires": now + options.code_seconds,
                "used": False,
            }
        return _redirect(redirect_uri, code=code, scope=" ".join(scopes), state=state)

    # --- /connect/token -----------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method != "POST" or content_type != FORM:
            return _oauth_error(
                "invalid_request", "The token request must be application/x-www-form-urlencoded"
            )
        form = dict(
            parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        )
        client = self._client(request, form)
        if client is None:
            return _oauth_error("invalid_client", "Invalid client credentials")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(client, form)
        if grant_type == "refresh_token":
            return self._refresh(client, form)
        return _oauth_error("unsupported_grant_type", f"Grant type {grant_type!r} is not allowed")

    def _client(self, request: Request, form: dict[str, str]) -> str | None:
        options = self.options
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip()).decode()
            except ValueError:
                return None
            client_id, _, secret = decoded.partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        ok = hmac.compare_digest(client_id, options.client_id) and hmac.compare_digest(
            secret, options.client_secret
        )
        return client_id if ok else None

    def _exchange_code(self, client_id: str, form: dict[str, str]) -> Response:
        code = form.get("code", "")
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry["used"]:
                return _oauth_error("invalid_grant", "Invalid or already used authorization code")
            entry["used"] = True
        if entry["expires"] < self.clock.seconds():
            return _oauth_error("invalid_grant", "The authorization code has expired")
        if entry["client_id"] != client_id or entry["redirect_uri"] != form.get("redirect_uri"):
            return _oauth_error("invalid_grant", "redirect_uri or client does not match the code")
        return self._issue(client_id, entry["scopes"])

    def _refresh(self, client_id: str, form: dict[str, str]) -> Response:
        token = form.get("refresh_token", "")
        with self.store.transaction():
            entry = self.store.get("refreshtokens", _token_key(token)) if token else None
            if entry is None or entry["Used"] or entry["Revoked"] or entry["ClientId"] != client_id:
                return _oauth_error("invalid_grant", "Invalid refresh token")
            scopes = entry["Scopes"]
            wanted = form.get("scope", "").split()
            if wanted and not set(wanted) <= set(scopes):
                return _oauth_error("invalid_scope", "Scopes beyond the original grant")
            self.store.put("refreshtokens", {**entry, "Used": True})
            return self._issue(client_id, wanted or scopes)

    def _issue(self, client_id: str, scopes: list[str]) -> Response:
        options = self.options
        now = int(self.clock.seconds())
        payload = {
            "iss": "sandbox-identity",
            "aud": "eaccountingapi",
            "client_id": client_id,
            "sub": "sandbox-user",
            "scope": scopes,
            "iat": now,
            "exp": now + options.access_token_seconds,
            "jti": secrets.token_hex(8),
        }
        body: dict[str, Any] = {
            "access_token": self._sign(payload),
            "token_type": "Bearer",
            "expires_in": options.access_token_seconds,
            "scope": " ".join(scopes),
        }
        if "offline_access" in scopes:
            refresh = secrets.token_hex(32)
            with self.store.transaction():
                self.store.put(
                    "refreshtokens",
                    {
                        "Id": _token_key(refresh),
                        "ClientId": client_id,
                        "Scopes": scopes,
                        "Used": False,
                        "Revoked": False,
                        "IssuedAt": now,
                    },
                )
            body["refresh_token"] = refresh
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # --- /connect/revocation ------------------------------------------------------------

    async def revoke(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if self._client(request, form) is None:
            return _oauth_error("invalid_client", "Invalid client credentials")
        token = form.get("token", "")
        with self.store.transaction():
            entry = self.store.get("refreshtokens", _token_key(token)) if token else None
            if entry is not None:
                self.store.put("refreshtokens", {**entry, "Revoked": True})
        return Response(status_code=200)

    # --- bearer tokens ------------------------------------------------------------------

    def _sign(self, payload: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        signature = hmac.new(self._secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{_b64(signature)}"

    def bearer(self, request: Request) -> Grant:
        """The grant of the request's bearer token; VismaError 401 if there is none valid."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("No bearer token was sent.")
        payload = self._verify(token.strip())
        if payload is None:
            raise _unauthorized("The bearer token is invalid.")
        if payload["exp"] <= self.clock.seconds():
            raise _unauthorized("The bearer token has expired.")
        return Grant(payload["client_id"], frozenset(payload.get("scope", [])))

    def _verify(self, token: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            expected = hmac.new(
                self._secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return None
            payload = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) and "exp" in payload else None


def check_scopes(grant: Grant, required: tuple[str, ...]) -> None:
    """403 / 4006 unless the token has ea:api and one of the operation's scopes."""
    if "ea:api" not in grant.scopes or (required and not grant.scopes & set(required)):
        raise VismaError(
            NO_ACCESS_TO_SCOPES,
            f"The access token lacks the scopes this operation requires: "
            f"ea:api and one of {', '.join(required)}.",
            403,
        )


def _unauthorized(message: str) -> VismaError:
    return VismaError(
        NOT_AUTHORIZED,
        message,
        401,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{message}"'
        },
    )


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)
