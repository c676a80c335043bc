"""The sandbox's own controls under `/_sandbox/` (no authentication, not part of Visma):

* `GET /_sandbox/stats`: requests per endpoint and answer (status, or "dropped").
* `GET /_sandbox/options`, `PUT /_sandbox/options` (JSON object of `VismaOptions` fields):
  change knobs at runtime; answers the options now in force (without the secret).
* `POST /_sandbox/clock` `{"advance_seconds": N}`: move the simulated clock ahead.
* `POST /_sandbox/lock-period` `{"locked_until": "2026-03-31"}` (null unlocks): the company's
  `AccountingLockedTo`; vouchers dated on or before it get 4026.
* `POST /_sandbox/reset-rate-limits`: forget the rate-limit windows.
* `GET /_sandbox/state`: the inspection (`inspect_state`) of the live state.
"""

import json
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
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("a JSON object is expected")
    return data


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
            seconds = float(data.get("advance_seconds", data.get("seconds", 0)))
            now = visma.clock.advance(seconds)
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        return JSONResponse({"now": utc_stamp(now)})

    async def lock_period(request: Request) -> Response:
        try:
            data = await _json(request)
            value = data.get("locked_until")
            locked = date.fromisoformat(value) if value else None
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
