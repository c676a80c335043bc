"""Getting tokens from the sandbox without a browser: the authorize endpoint consents by
itself, so a client only follows the 302 by hand and exchanges the code."""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from ornd_visma.sandbox.visma.options import SANDBOX

REDIRECT_URI = "http://127.0.0.1/cb"
SCOPES = "ea:api offline_access ea:sales ea:accounting"


@dataclass(frozen=True)
class SandboxTokens:
    access_token: str
    refresh_token: str
    expires_in: int


def _root(base_url: str) -> str:
    root = base_url.rstrip("/")
    return root[: -len("/v2")] if root.endswith("/v2") else root


def sandbox_tokens(
    base_url: str,
    client_id: str = SANDBOX,
    client_secret: str = SANDBOX,
    scope: str = SCOPES,
    redirect_uri: str = REDIRECT_URI,
) -> SandboxTokens:
    """Run the authorization-code flow against the sandbox at `base_url` (with or without
    `/v2`) and return the tokens."""
    root = _root(base_url)
    with httpx.Client(timeout=10.0) as client:
        answer = client.get(
            f"{root}/connect/authorize",
            params={
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": scope,
                "state": "sandbox",
            },
        )
        if answer.status_code != 302:
            raise RuntimeError(f"authorize answered {answer.status_code}: {answer.text}")
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        if "code" not in query:
            raise RuntimeError(f"authorize refused: {answer.headers['location']}")
        token = client.post(
            f"{root}/connect/token",
            auth=(client_id, client_secret),
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": redirect_uri,
            },
        )
        token.raise_for_status()
        data = token.json()
    return SandboxTokens(
        data["access_token"], data.get("refresh_token", ""), int(data["expires_in"])
    )


def sandbox_refresh_token(base_url: str) -> str:
    """A fresh refresh token from the sandbox at `base_url` (for tests and the demo)."""
    return sandbox_tokens(base_url).refresh_token
