"""The Visma eAccounting API v2 client: settings per entity, the rotating-token store, the
per-endpoint rate limiter and the client itself."""

from ornd_visma.visma.client import (
    AmbiguousWrite,
    Exchange,
    VismaApiError,
    VismaAuthError,
    VismaClient,
    VismaUnavailable,
)
from ornd_visma.visma.rate_limit import EndpointLimiter, endpoint
from ornd_visma.visma.settings import VismaSettings, sandbox_visma, state_dir, visma_settings
from ornd_visma.visma.tokens import TokenStore

__all__ = [
    "AmbiguousWrite",
    "EndpointLimiter",
    "Exchange",
    "TokenStore",
    "VismaApiError",
    "VismaAuthError",
    "VismaClient",
    "VismaSettings",
    "VismaUnavailable",
    "endpoint",
    "sandbox_visma",
    "state_dir",
    "visma_settings",
]
