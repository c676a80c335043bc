"""The simulated Visma eAccounting as one Starlette app: the API under `/v2/...`, the identity
server under `/connect/...` and the sandbox's own controls under `/_sandbox/...`.

Every `/v2` request goes through, in order: the method (`OPTIONS` → 200 and 405 for a method
the URL does not serve, both with `Allow`; see `methods`) → latency → bearer token (401) →
scopes from the OpenAPI document (403 / 4006) → rate limit (429 / 4010) → the body is read →
fault draw (500/503, timeout, drop after commit) → path parameters (a malformed uuid → 2000)
→ query parameters by their declared type (`params`, 6000 / 6001) → body validation against
the operation's request schema in the OpenAPI document (2000) → the handler, inside one store
transaction (stored only if it answers without error). Each request is counted per endpoint
and answer for `/_sandbox/stats`.
"""

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from ornd_visma.sandbox.visma import errors, methods, spec
from ornd_visma.sandbox.visma import faults as injected
from ornd_visma.sandbox.visma.admin import admin_routes
from ornd_visma.sandbox.visma.auth import Identity, check_scopes
from ornd_visma.sandbox.visma.clock import SimClock
from ornd_visma.sandbox.visma.endpoints import ALL_ROUTES
from ornd_visma.sandbox.visma.errors import VismaError, error_response
from ornd_visma.sandbox.visma.http import Call
from ornd_visma.sandbox.visma.limits import RateLimiter
from ornd_visma.sandbox.visma.options import VismaOptions
from ornd_visma.sandbox.visma.params import check as check_query
from ornd_visma.sandbox.visma.seed import seed
from ornd_visma.sandbox.visma.stats import Stats
from ornd_visma.sandbox.visma.store import Store

logger = logging.getLogger(__name__)
Handler = Callable[[Call], Response]
API_PREFIX = "/v2"
WRITES = ("POST", "PUT", "DELETE", "PATCH")
_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@dataclass
class Visma:
    """The running simulator's state: the store, the clock and the current knobs."""

    store: Store
    clock: SimClock
    options: VismaOptions
    limiter: RateLimiter = field(default_factory=RateLimiter)
    stats: Stats = field(default_factory=Stats)
    faults: injected.Faults = field(init=False)
    identity: Identity = field(init=False)

    def __post_init__(self) -> None:
        self.faults = injected.Faults(self.options.fault_seed)
        self.identity = Identity(self.store, self.clock, lambda: self.options)

    def set_options(self, changes: dict[str, Any]) -> VismaOptions:
        self.options = self.options.changed(changes)
        if "fault_seed" in changes:
            self.faults.reseed(self.options.fault_seed)
        if self.options.fiscal_years:
            with self.store.transaction():
                seed(self.store, self.options.fiscal_years)
        return self.options


def create_visma_app(
    state_dir: Path, options: VismaOptions | None = None, *, clock: SimClock | None = None
) -> Starlette:
    """The simulator app; state lives in `state_dir/visma/` and survives a restart.

    `clock` is injectable for tests (default: starts on `options.today`, or the real now)."""
    options = options or VismaOptions()
    store = Store(Path(state_dir))
    with store.transaction():
        seed(store, options.fiscal_years)
    visma = Visma(store, clock or SimClock.starting_on(options.today), options)
    injected.quiet_deliberate_aborts()
    routes = [
        Route("/connect/authorize", visma.identity.authorize, methods=["GET"]),
        Route("/connect/token", visma.identity.token, methods=["POST", "GET"]),
        Route("/connect/revocation", visma.identity.revoke, methods=["POST"]),
        *admin_routes(visma),
    ]
    endpoints = [
        (method, path, _endpoint(visma, method, path, handler))
        for method, path, handler in ALL_ROUTES
    ]
    routes.extend(methods.routes(API_PREFIX, endpoints, spec.document()["paths"], _unknown))
    routes.append(Route(API_PREFIX + "/{path:path}", _unknown, methods=methods.ALL_METHODS))
    app = Starlette(routes=routes)
    app.state.visma = visma
    return app


async def _unknown(request: Request) -> Response:
    """An endpoint of the real API that the sandbox does not simulate (or no endpoint)."""
    return error_response(
        VismaError(
            errors.NOT_FOUND,
            f"{request.method} {request.url.path} is not available in the Visma sandbox.",
            404,
        )
    )


def _endpoint(visma: Visma, method: str, path: str, handler: Handler) -> Callable:
    scopes = spec.required_scopes(method, path)
    body_schema = spec.request_schema_name(method, path)
    uuid_params = {
        p["name"]
        for p in spec.operation(method, path).get("parameters", [])
        if p.get("in") == "path" and p.get("schema", {}).get("format") == "uuid"
    }
    endpoint_name = f"{method} {API_PREFIX}{path}"
    optional_body = path.endswith("/convert")  # the validation body of a conversion

    async def run(request: Request) -> Response:
        options = visma.options
        if options.latency_ms:
            await asyncio.sleep(options.latency_ms / 1000)
        drop = False
        try:
            grant = visma.identity.bearer(request)
            check_scopes(grant, scopes)
            wait = visma.limiter.admit(
                grant.client_id, endpoint_name, options.rate_limit_per_minute, visma.clock.seconds()
            )
            if wait is not None:
                visma.stats.record(endpoint_name, 429)
                return errors.rate_limited(options.rate_limit_per_minute, wait)
            raw = await request.body() if body_schema else b""
            fault = visma.faults.draw(options, method in WRITES)
            if fault and fault[0] == injected.ERROR:
                visma.stats.record(endpoint_name, fault[1])
                return errors.internal_error() if fault[1] == 500 else errors.unavailable()
            if fault and fault[0] == injected.TIMEOUT:
                await asyncio.sleep(options.timeout_seconds)
            drop = bool(fault and fault[0] == injected.DROP)
            params = dict(request.path_params)
            for name in uuid_params & params.keys():
                if not _UUID.fullmatch(params[name]):
                    raise errors.validation(
                        f"The value '{params[name]}' is not valid.", name, "InvalidFormat"
                    )
            check_query(method, path, request.query_params.multi_items())
            body = None
            if raw.strip():
                body = spec.validate(body_schema, spec.parse_json(raw))
            elif body_schema and not optional_body:
                raise errors.validation("A request body is required.", "", "Required")
            call = Call(visma, request, method, path, params, body, grant)
            with visma.store.transaction():
                response = handler(call)
        except VismaError as error:
            response = error_response(error)
        except ClientDisconnect:
            visma.stats.record(endpoint_name, "disconnected")
            return Response(status_code=400)
        except Exception:  # a simulator bug: answer as Visma does, and say so in the log
            logger.exception("unhandled error in %s", endpoint_name)
            response = errors.internal_error()
        if drop and response.status_code < 400:
            visma.stats.record(endpoint_name, "dropped")
            return injected.Dropped(response)
        visma.stats.record(endpoint_name, response.status_code)
        return response

    return run
