"""OAuth2 client credentials as the OfficeRnD identity host grants them, and bearer checks.

The sandbox app is granted every read scope in the collections table (the pipeline only
reads). Choices where the reference is silent: a request without `scope` gets every granted
scope; a request without `grant_type` is `invalid_request` (RFC 6749); tokens live in memory
only, so a restarted simulator answers 401 to old tokens and clients fetch a new one.
"""

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from ornd_visma.officernd.collections import ALL_READ_SCOPES
from ornd_visma.sandbox.officernd.options import OfficeRnDOptions

GRANTED_SCOPES = frozenset(ALL_READ_SCOPES)
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
        if any(scope not in GRANTED_SCOPES for scope in requested):
            raise OAuthError(400, "invalid_scope")
        scopes = tuple(dict.fromkeys(requested)) or ALL_READ_SCOPES
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
