"""Visma eAccounting as a Dagster resource: one client per mapping entity.

The default entity's secrets (`VISMA_CLIENT_ID`, `VISMA_CLIENT_SECRET`, the initial
`VISMA_REFRESH_TOKEN`) come through `EnvVar` when set; with none set the resource points at
the Visma simulator on 127.0.0.1 with its fixed, non-secret client. Other entities' variables
(`<env_prefix>_API_URL`, …, named in the mapping) are read from the environment when a step
builds their client. The rotating refresh token lives in the token store under
`ORND_VISMA_STATE_DIR`, never in the warehouse or in run metadata.
"""

import os
from contextlib import ExitStack

import dagster as dg

from ornd_visma.mapping import Mapping
from ornd_visma.visma import TokenStore, VismaClient, VismaSettings, state_dir, visma_settings
from ornd_visma.visma.settings import DEFAULT_PREFIX


class VismaResource(dg.ConfigurableResource):
    """Visma eAccounting API v2, a client per entity (Visma company) of the mapping."""

    api_url: str
    auth_url: str
    client_id: str
    client_secret: str
    refresh_token: str | None = None
    state_dir: str
    timeout_s: float = 30.0

    def settings(self, entity: str, prefix: str) -> VismaSettings:
        if prefix == DEFAULT_PREFIX:
            return VismaSettings(
                entity, self.api_url, self.auth_url, self.client_id, self.client_secret,
                self.refresh_token or None,
            )  # fmt: skip
        return visma_settings(entity, prefix)

    def clients(self, mapping: Mapping, stack: ExitStack) -> dict[str, VismaClient]:
        """A client per entity the mapping's locations use (closed with `stack`)."""
        used = {loc.entity for loc in mapping.locations.values()} or set(mapping.entities)
        return {
            name: stack.enter_context(
                VismaClient(
                    self.settings(name, mapping.entities[name].env_prefix),
                    TokenStore(self.state_dir, name),
                    timeout_s=self.timeout_s,
                )
            )
            for name in sorted(used)
        }


def _env_or(name: str, fallback: str | None) -> str | dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else fallback


def visma_resource() -> VismaResource:
    settings = visma_settings("main")  # validates the variables, or the sandbox defaults
    return VismaResource(
        api_url=settings.api_url,
        auth_url=settings.auth_url,
        client_id=_env_or("VISMA_CLIENT_ID", settings.client_id),
        client_secret=_env_or("VISMA_CLIENT_SECRET", settings.client_secret),
        refresh_token=_env_or("VISMA_REFRESH_TOKEN", None),
        state_dir=str(state_dir()),
    )
