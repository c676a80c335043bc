"""The sandbox's own controls under `/_sandbox/` (no authentication, not part of Visma):

* `GET /_sandbox/stats`: requests per endpoint and answer (status, or "dropped").
* `GET /_sandbox/options`, `PUT /_sandbox/options` (JSON object of `VismaOptions` fields):
  change knobs at runtime; answers the options now in force (without the secret).
* `POST /_sandbox/clock` `{"advance_seconds": N}` (or `seconds`): move the simulated clock
  ahead; answers the new now.
* `POST /_sandbox/lock-period` `{"locked_until": "2026-03-31"}` (or `until`/`date`; null
  unlocks): the company's `AccountingLockedTo`; vouchers dated on or before it get 4026.
Bodies may also come as query parameters, and keys in camelCase.
* `POST /_sandbox/reset-rate-limits`: forget the rate-limit windows.
* `GET /_sandbox/state`: the inspection (`inspect_state`) of the live state.
"""

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ornd_visma.sandbox.visma.clock import utc_stamp
from ornd_visma.sandbox.visma.store import jsonable
from ornd_visma.sandbox.visma.values import date_text

if TYPE_CHECKING:
    from ornd_visma.sandbox.visma.app import Visma


async def _json(request: Request) -> dict[str, Any]:
    """The JSON object in the body, plus the query parameters (body wins); keys in
    snake_case (camelCase and PascalCase are accepted too)."""
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("a JSON object is expected")
    merged = {**dict(request.query_params), **data}
    return {_snake(k): v for k, v in merged.items()}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _first(data: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in data:
            return data[name]
    return None


def _bad(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=400)


def admin_routes(visma: "Visma") -> list[Route]:
    async def stats(request: Request) -> Response:
        return JSONResponse(visma.stats.snapshot())

    async def options(request: Request) -> Response:
        if request.method == "PUT":
            try:
                visma.set_options(await _json(request))
            except (ValueError, TypeError) as exc:
                return _bad(str(exc))
        return JSONResponse(visma.options.as_json())

    async def clock(request: Request) -> Response:
        try:
            data = await _json(request)
            seconds = _first(data, "advance_seconds", "seconds", "advance", "by") or 0
            now = visma.clock.advance(float(seconds))
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        return JSONResponse({"now": utc_stamp(now)})

    async def lock_period(request: Request) -> Response:
        try:
            data = await _json(request)
            value = _first(
                data,
                "locked_until",
                "until",
                "date",
                "locked_to",
                "accounting_locked_to",
                "lock_date",
            )
            locked = date.fromisoformat(str(value)[:10]) if value else None
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        store = visma.store
        with store.transaction():
            company = dict(store.meta("company") or {})
            company["AccountingLockedTo"] = date_text(locked)
            store.set_meta("company", company)
        return JSONResponse({"locked_until": locked.isoformat() if locked else None})

    async def reset_limits(request: Request) -> Response:
        visma.limiter.reset()
        return JSONResponse({"ok": True})

    async def state(request: Request) -> Response:
        from ornd_visma.sandbox.visma.inspect import inspect_store

        with visma.store.lock:
            return JSONResponse(jsonable(inspect_store(visma.store)))

    return [
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/options", options, methods=["GET", "PUT"]),
        Route("/_sandbox/clock", clock, methods=["POST"]),
        Route("/_sandbox/lock-period", lock_period, methods=["POST"]),
        Route("/_sandbox/reset-rate-limits", reset_limits, methods=["POST"]),
        Route("/_sandbox/state", state, methods=["GET"]),
    ]
