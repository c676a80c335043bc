"""The v2 API: `/api/v2/organizations/{orgSlug}/<collection>[/count|/{id}]`.

Order of checks, as NestJS on Express runs them: a path no controller handles is a 404
`Cannot GET …` before anything else; then the org slug (500 when unknown, as observed), the
bearer token and the collection's scope (one 401 for every failure), the app's rate limit
(guards), then query validation (pipes) and the handler. Faults are drawn first of all, so a
faulted request touches no budget and no state.

Write endpoints are not simulated (the pipeline only reads): a non-GET request with a valid
token is counted against the write budget, then answered 404 `Cannot <METHOD> <path>`, so the
separate write window is still observable.
"""

import asyncio
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ornd_visma.officernd.collections import BY_NAME, Collection
from ornd_visma.sandbox.officernd.auth import Token
from ornd_visma.sandbox.officernd.errors import (
    ApiError,
    internal_error,
    item_not_found,
    json_response,
    organization_not_found,
    route_not_found,
    throttled,
    unauthorized,
)
from ornd_visma.sandbox.officernd.faults import (
    DROP,
    ERROR,
    TRUNCATE,
    dropped_placeholder,
    error_response,
    send_cut,
)
from ornd_visma.sandbox.officernd.limits import RollingLimit
from ornd_visma.sandbox.officernd.paging import CursorError
from ornd_visma.sandbox.officernd.query import parse_list_query
from ornd_visma.sandbox.officernd.simulator import Simulator


class ApiEndpoint:
    """A raw ASGI endpoint: dropped and truncated answers need control over the wire."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sim = self.sim
        request = Request(scope, receive)
        segments = request.path_params["rest"].removesuffix("/").split("/")
        sim.stats.request(request.method, segments[0])
        kind, status = sim.faults.draw(sim.options) or (None, 0)
        if sim.options.latency_ms:
            await asyncio.sleep(sim.options.latency_ms / 1000)
        if kind:
            sim.stats.fault(kind)
        if kind == DROP:
            await send_cut(send, dropped_placeholder(), 0)
            return
        if kind == ERROR:
            response = error_response(status)
        else:
            response = self._answer(request, segments, counted=kind is None)
        if kind == TRUNCATE:
            await send_cut(send, response, len(response.body) // 2)
            return
        sim.stats.status(response.status_code)
        await response(scope, receive, send)

    def _answer(self, request: Request, segments: list[str], counted: bool) -> Response:
        try:
            return self._route(request, segments, counted)
        except ApiError as error:
            return error.response
        except CursorError:  # observed: a tampered cursor is a 500, not a 400
            return internal_error()

    def _route(self, request: Request, segments: list[str], counted: bool) -> Response:
        sim, method = self.sim, request.method
        if method != "GET":
            self._check_org(request)
            token = self._authorize(request, None)
            self._throttle(sim.write_limit, sim.options.write_limit_per_minute, token, counted)
            return route_not_found(method, request.url.path)
        spec = BY_NAME.get(segments[0])
        if spec is None or len(segments) > 2:
            return route_not_found(method, request.url.path)
        self._check_org(request)
        token = self._authorize(request, spec.scope)
        self._throttle(sim.read_limit, sim.options.read_limit_per_minute, token, counted)
        if len(segments) == 1:
            return self._list(spec, request)
        if segments[1] == "count":  # observed: counts ignore every filter
            return json_response(200, {"total": sim.store.count(spec.name)})
        record = sim.store.get(spec.name, segments[1])
        if record is None:
            raise item_not_found(segments[1])
        return json_response(200, record)

    def _check_org(self, request: Request) -> None:
        if request.path_params["org"] != self.sim.options.org_slug:
            raise organization_not_found()

    def _authorize(self, request: Request, scope: str | None) -> Token:
        header = request.headers.get("authorization")
        token = self.sim.tokens.verify(header, scope, self.sim.now_seconds())
        if token is None:
            raise unauthorized()
        return token

    def _throttle(self, window: RollingLimit, limit: int, token: Token, counted: bool) -> None:
        if not counted:
            return
        wait = window.acquire(token.client_id, limit, self.sim.now_seconds())
        if wait is not None:
            raise throttled(wait)

    def _list(self, spec: Collection, request: Request) -> Response:
        items = request.query_params.multi_items()
        refused = self.sim.options.refused(spec.name)
        if refused:
            spec = replace(spec, date_filters=spec.date_filters - refused)
        query = parse_list_query(spec, items, self.sim.options.limit_over_max)
        return json_response(200, self.sim.store.list_page(spec.name, query).envelope())
