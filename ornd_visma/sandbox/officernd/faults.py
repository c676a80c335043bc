"""Injected faults: random 5xx, dropped connections and truncated bodies, drawn from a seeded
random.Random so a test sees the same faults for the same request sequence.

Each API request draws one number: below `error_rate` it gets a 500/502/503, below
`error_rate + drop_rate` its connection closes, below `+ truncate_rate` its body is cut. A
faulted request is decided before any budget or state is touched.

Closing a connection from an ASGI app: uvicorn's h11 server closes the transport when the app
returns after `http.response.start` without finishing the body. So a drop announces a
Content-Length and sends no byte of body, a truncation sends half the body; either way the
client reads a short body on a closed connection (httpx raises RemoteProtocolError), never an
HTTP status it could mistake for an answer. uvicorn logs each such return as an error; that
one log line is filtered out because here it is deliberate.
"""

import logging
import random
import threading

from starlette.responses import Response
from starlette.types import Send

from ornd_visma.sandbox.officernd.errors import JSON_TYPE, gateway_page, internal_error
from ornd_visma.sandbox.officernd.options import OfficeRnDOptions

ERROR, DROP, TRUNCATE = "error", "drop", "truncate"
ERROR_STATUSES = (500, 502, 503)
_ABORT_LOG = "ASGI callable returned without completing response."


class _DeliberateAborts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _ABORT_LOG


def quiet_deliberate_aborts() -> None:
    """Drop uvicorn's error line for responses this module cuts on purpose (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DeliberateAborts) for f in logger.filters):
        logger.addFilter(_DeliberateAborts())


class Faults:
    """The seeded fault draw, shared by all requests of one simulator."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def reseed(self, seed: int) -> None:
        """Restart the fault sequence (tests reset it to get repeatable runs)."""
        with self._lock:
            self._random = random.Random(seed)

    def draw(self, options: OfficeRnDOptions) -> tuple[str, int] | None:
        """The fault for the next request: (kind, status for errors else 0), or None."""
        with self._lock:
            roll = self._random.random()
            if roll < options.error_rate:
                return ERROR, self._random.choice(ERROR_STATUSES)
        if roll < options.error_rate + options.drop_rate:
            return DROP, 0
        if roll < options.error_rate + options.drop_rate + options.truncate_rate:
            return TRUNCATE, 0
        return None


def error_response(status: int) -> Response:
    """A 500 from the app itself, or a 502/503 page from the gateway in front of it."""
    return internal_error() if status == 500 else gateway_page(status)


async def send_cut(send: Send, response: Response, keep: int) -> None:
    """Announce `response` in full (its Content-Length included), send only the first `keep`
    bytes of its body, then return so the server closes the connection."""
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    if keep:
        await send({"type": "http.response.body", "body": response.body[:keep], "more_body": True})


def dropped_placeholder() -> Response:
    """What a dropped request announces before the connection closes (no byte of it arrives)."""
    return Response(b'{"results":[]}', media_type=JSON_TYPE)
