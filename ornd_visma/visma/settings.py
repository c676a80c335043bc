"""Where a Visma company is reached and with which credentials (one per mapping entity).

An entity's variables share a prefix (the mapping's `entities.<name>.env_prefix`, default
`VISMA`): `<P>_API_URL`, `<P>_AUTH_URL`, `<P>_CLIENT_ID`, `<P>_CLIENT_SECRET`,
`<P>_REFRESH_TOKEN`. With `<P>_CLIENT_ID` unset the entity is a sandbox company: the Visma
simulator on 127.0.0.1 (port 8462 unless `<P>_API_URL` says otherwise) with the simulator's
fixed, non-secret client `sandbox` / `sandbox`; its first refresh token is then fetched from
the simulator's self-consenting authorize endpoint when `<P>_REFRESH_TOKEN` is unset.

The rotating refresh token is never kept here nor in the warehouse: it lives in the token
store (`ornd_visma.visma.tokens`) under the state directory `ORND_VISMA_STATE_DIR` (default
`$XDG_STATE_HOME/ornd-visma`, else `~/.local/state/ornd-visma`), outside the repository.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from ornd_visma.config import SANDBOX_CREDENTIAL, SANDBOX_VISMA_PORT
from ornd_visma.endpoints import checked_endpoint, is_loopback

DEFAULT_PREFIX = "VISMA"
REAL_API_URL = "https://eaccountingapi.vismaonline.com/v2"
REAL_AUTH_URL = "https://identity.vismaonline.com"


@dataclass(frozen=True)
class VismaSettings:
    """One Visma company. `refresh_token` is only the initial value for the token store."""

    entity: str
    api_url: str
    auth_url: str
    client_id: str
    client_secret: str
    refresh_token: str | None = None

    @property
    def is_sandbox(self) -> bool:
        return self.client_id == SANDBOX_CREDENTIAL and is_loopback(self.api_url)

    def __repr__(self) -> str:  # never print the secrets
        return f"VismaSettings(entity={self.entity!r}, api_url={self.api_url!r})"


def sandbox_visma(entity: str = "default", port: int = SANDBOX_VISMA_PORT) -> VismaSettings:
    base = f"http://127.0.0.1:{port}"
    return VismaSettings(entity, f"{base}/v2", base, SANDBOX_CREDENTIAL, SANDBOX_CREDENTIAL)


def visma_settings(
    entity: str = "default", prefix: str = DEFAULT_PREFIX, env: dict[str, str] | None = None
) -> VismaSettings:
    """The settings of the entity whose variables start with `prefix`. A real client needs
    its id and secret; its refresh token comes from the token store (`ornd-visma connect
    visma` puts it there) or seeds it from `<prefix>_REFRESH_TOKEN`."""
    env = os.environ if env is None else env

    def var(name: str) -> str | None:
        return env.get(f"{prefix}_{name}") or None

    if not var("CLIENT_ID"):
        sandbox = sandbox_visma(entity)
        api_url = var("API_URL") or sandbox.api_url
        settings = VismaSettings(
            entity,
            api_url,
            var("AUTH_URL") or api_url.rstrip("/").removesuffix("/v2"),
            SANDBOX_CREDENTIAL,
            SANDBOX_CREDENTIAL,
            var("REFRESH_TOKEN"),
        )
        return _checked(settings, prefix)
    if not var("CLIENT_SECRET"):
        raise ValueError(f"{prefix}_CLIENT_ID is set but {prefix}_CLIENT_SECRET is not")
    settings = VismaSettings(
        entity,
        var("API_URL") or REAL_API_URL,
        var("AUTH_URL") or REAL_AUTH_URL,
        var("CLIENT_ID") or "",
        var("CLIENT_SECRET") or "",
        var("REFRESH_TOKEN"),
    )
    return _checked(settings, prefix)


def _checked(settings: VismaSettings, prefix: str) -> VismaSettings:
    checked_endpoint(settings.api_url, f"{prefix}_API_URL")
    checked_endpoint(settings.auth_url, f"{prefix}_AUTH_URL")
    return settings


def state_dir(env: dict[str, str] | None = None) -> Path:
    """The directory for state that must survive runs and never enter the repo or warehouse."""
    env = os.environ if env is None else env
    if env.get("ORND_VISMA_STATE_DIR"):
        return Path(env["ORND_VISMA_STATE_DIR"])
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ornd-visma"
