"""A local simulator of the Visma eAccounting API v2 (eEkonomi / Spiris Bokföring &
Fakturering) that the posting half of the pipeline is tested against.

Faithful to Visma's own OpenAPI document (copied into `openapi/`): the API under `/v2/...`,
the identity server under `/connect/...`, sandbox controls under `/_sandbox/...`; state in
`state_dir/visma/visma.sqlite3`. Module map: `app` (the Starlette app and request pipeline),
`options`, `clock`, `auth`, `spec` (document + body validation), `errors`, `odata` ($filter),
`http` (handler context, lists), `store`, `seed`, `rules`, `booking` (vouchers), `invoicing`
(invoice totals and VAT), `endpoints/*`, `admin`, `limits`, `faults`, `stats`, `inspect`,
`sandbox_client` (tokens without a browser).
"""

from ornd_visma.sandbox.visma.app import Visma, create_visma_app
from ornd_visma.sandbox.visma.clock import SimClock
from ornd_visma.sandbox.visma.inspect import inspect_state
from ornd_visma.sandbox.visma.options import VismaOptions
from ornd_visma.sandbox.visma.sandbox_client import (
    SandboxTokens,
    sandbox_refresh_token,
    sandbox_tokens,
)

__all__ = [
    "SandboxTokens",
    "SimClock",
    "Visma",
    "VismaOptions",
    "create_visma_app",
    "inspect_state",
    "sandbox_refresh_token",
    "sandbox_tokens",
]
