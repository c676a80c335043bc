"""OAuth2 client credentials as the OfficeRnD identity host grants them, and bearer checks.

Scopes (`scopes`): the host knows the reference's whole v2 catalogue; the sandbox app has
"Read" permissions, so it is granted the catalogue's `.read` scopes. The reference: "an
application with only "Read" permissions cannot generate a token with "Create" permissions",
and asking for a scope the app was not granted "makes the whole token request fail". So a
request naming a scope outside the catalogue, or a write scope (`.create`, `.update`,
`.delete`, ...), is refused as a whole with 400 `{"error": "invalid_scope"}` (RFC 6749
§5.2: "unknown ... or exceeds the scope granted"); no token, not even for the other scopes.

Choices where the reference is silent: a request without `scope` gets every granted scope;
a request without `grant_type` is `invalid_request` (RFC 6749); tokens live in memory only,
so a restarted simulator answers 401 to old tokens and clients fetch a new one.
"""

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from ornd_visma.sandbox.officernd.options import OfficeRnDOptions
from ornd_visma.sandbox.officernd.scopes import CATALOGUE, GRANTED

GRANTED_SCOPES = GRANTED
TOKEN_LIFETIME_SECONDS = 3600
EXPIRES_IN = TOKEN_LIFETIME_SECONDS - 1  # the documented body says 3599: the time remaining


@dataclass(frozen=True)
class Token:
    """An issued access token's grant."""

    client_id: str
    scopes: tuple[str, ...]  # in the order requested, as the response lists them
    expires_at: float  # simulated epoch seconds


class OAuthError(Exception):
    """A refused grant: HTTP status and the OAuth `error` code."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def refused_scopes(requested: list[str]) -> list[str]:
    """The requested scopes the app cannot have: unknown to the catalogue, or beyond the
    app's Read permissions."""
    return [s for s in requested if s not in CATALOGUE or s not in GRANTED_SCOPES]


class Tokens:
    """Issued tokens by their opaque text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}

    def grant(
        self, form: Mapping[str, str], options: OfficeRnDOptions, now: float
    ) -> tuple[str, Token]:
        """Check a token request's form fields; returns (access token, grant) or OAuthError."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError(400, "invalid_request")
        if grant_type != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type")
        if (form.get("client_id"), form.get("client_secret")) != (
            options.client_id,
            options.client_secret,
        ):
            raise OAuthError(401, "invalid_client")
        requested = form.get("scope", "").split()
        if refused_scopes(requested):
            raise OAuthError(400, "invalid_scope")
        scopes = tuple(dict.fromkeys(requested)) or tuple(sorted(GRANTED_SCOPES))
        token = Token(options.client_id, scopes, now + TOKEN_LIFETIME_SECONDS)
        text = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[text] = token
        return text, token

    def verify(self, authorization: str | None, scope: str | None, now: float) -> Token | None:
        """The grant behind an `Authorization: Bearer …` header if it is live and holds
        `scope` (any scope when None); otherwise None. Expired tokens are forgotten."""
        scheme, _, text = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            token = self._tokens.get(text.strip())
            if token is not None and token.expires_at <= now:
                del self._tokens[text.strip()]
                return None
        if token is None or (scope is not None and scope not in token.scopes):
            return None
        return token
