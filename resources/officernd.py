"""The OfficeRnD API as a Dagster resource. Secrets come from `EnvVar`; with no OfficeRnD
variables set the resource points at the sandbox and its fixed, non-secret credentials."""

import os

import dagster as dg

from ornd_visma.config import OfficeRnDSettings, officernd_settings
from ornd_visma.officernd.client import OfficeRnDClient


class OfficeRnDResource(dg.ConfigurableResource):
    """OfficeRnD Flex API v2 (client credentials)."""

    api_url: str
    auth_url: str
    org_slug: str
    client_id: str
    client_secret: str

    def client(self) -> OfficeRnDClient:
        return OfficeRnDClient(
            OfficeRnDSettings(
                api_url=self.api_url,
                auth_url=self.auth_url,
                org_slug=self.org_slug,
                client_id=self.client_id,
                client_secret=self.client_secret,
            )
        )


def _env_or(name: str, fallback: str) -> str | dg.EnvVar:
    """`EnvVar(name)` when set (resolved at run time, never logged), else the fallback."""
    return dg.EnvVar(name) if os.environ.get(name) else fallback


def officernd_resource() -> OfficeRnDResource:
    settings = officernd_settings()  # validates the variables, or the sandbox defaults
    return OfficeRnDResource(
        api_url=settings.api_url,
        auth_url=settings.auth_url,
        org_slug=_env_or("OFFICERND_ORG_SLUG", settings.org_slug),
        client_id=_env_or("OFFICERND_CLIENT_ID", settings.client_id),
        client_secret=_env_or("OFFICERND_CLIENT_SECRET", settings.client_secret),
    )
