"""`/_sandbox/…`: control endpoints for tests and demos (no auth, no rate limit, no faults;
the server listens on loopback only).

- `POST /_sandbox/{collection}`: add a record (body: the record) → 201 the stored record
- `PATCH /_sandbox/{collection}/{id}`: shallow-merge fields → 200 the (first) new version
- `DELETE /_sandbox/{collection}/{id}` → 200 `{"deleted": n}`
- `GET /_sandbox/stats` → request, status, token and fault counters
- `PUT /_sandbox/options`: change knobs (OfficeRnDOptions field names) → 200 all options
- `GET|POST /_sandbox/clock`: read or move the clock, body `{"advance_seconds": n}` or
  `{"now": "<ISO>"}` → 200 `{"now": "<ISO>"}`
"""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ornd_visma.sandbox.officernd.clock import iso, parse_instant
from ornd_visma.sandbox.officernd.errors import JSON_TYPE
from ornd_visma.sandbox.officernd.options import as_json
from ornd_visma.sandbox.officernd.simulator import Simulator


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON_TYPE)


def _problem(status: int, message: str) -> Response:
    return _json(status, {"error": message})


async def _object_body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def admin_routes(sim: Simulator) -> list[Route]:
    """The control routes bound to `sim`."""
    store = sim.store

    async def add(request: Request) -> Response:
        try:
            record = store.add(request.path_params["collection"], await _object_body(request))
        except KeyError as error:
            return _problem(404, str(error.args[0]))
        except ValueError as error:
            return _problem(400, str(error))
        return _json(201, record)

    async def patch(request: Request) -> Response:
        collection, rid = request.path_params["collection"], request.path_params["id"]
        try:
            updated = store.patch(collection, rid, await _object_body(request))
        except KeyError as error:
            return _problem(404, str(error.args[0]))
        except ValueError as error:
            return _problem(400, str(error))
        if not updated:
            return _problem(404, f"no {collection} record with _id {rid}")
        return _json(200, updated[0])

    async def delete(request: Request) -> Response:
        collection, rid = request.path_params["collection"], request.path_params["id"]
        try:
            deleted = store.delete(collection, rid)
        except KeyError as error:
            return _problem(404, str(error.args[0]))
        if not deleted:
            return _problem(404, f"no {collection} record with _id {rid}")
        return _json(200, {"deleted": deleted})

    async def stats(_request: Request) -> Response:
        return _json(200, sim.stats.snapshot())

    async def options(request: Request) -> Response:
        try:
            return _json(200, as_json(sim.update_options(**await _object_body(request))))
        except ValueError as error:
            return _problem(400, str(error))

    async def clock(request: Request) -> Response:
        if request.method == "GET":
            return _json(200, {"now": iso(store.now())})
        try:
            body = await _object_body(request)
            seconds = body.get("advance_seconds")
            if set(body) == {"advance_seconds"} and isinstance(seconds, int | float):
                now = store.advance_clock(seconds)
            elif set(body) == {"now"} and (moment := parse_instant(body["now"])) is not None:
                now = store.set_clock(moment)
            else:
                raise ValueError('give {"advance_seconds": n} or {"now": "<ISO date-time>"}')
        except ValueError as error:
            return _problem(400, str(error))
        return _json(200, {"now": iso(now)})

    return [
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/options", options, methods=["PUT"]),
        Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
        Route("/_sandbox/{collection}", add, methods=["POST"]),
        Route("/_sandbox/{collection}/{id}", patch, methods=["PATCH"]),
        Route("/_sandbox/{collection}/{id}", delete, methods=["DELETE"]),
    ]
