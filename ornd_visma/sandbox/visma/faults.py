"""Injected faults, drawn from a seeded random.Random so a run is repeatable.

Each API request (`/v2/...` only; identity and admin endpoints are never faulted) draws one
number after authentication and the rate limit: below `error_rate` it is answered 500 (a
Visma 5000 body) or 503 (a gateway page) without being handled; below
`+ timeout_rate` it sleeps `timeout_seconds` of real time and is then handled normally (the
client has usually given up, yet a write is stored, as with a real slow backend); below
`+ drop_after_commit_rate`, and only for writes, it is handled and stored, then the
connection is closed without an answer.

Closing from an ASGI app: uvicorn's h11 server closes the connection when the app returns
after `http.response.start` without finishing the body. The dropped answer announces a
Content-Length and sends no byte of body, so the client reads a closed connection (httpx
raises RemoteProtocolError), never a status it could take for an answer. uvicorn logs each
such return as an error; that log line is filtered out because here it is deliberate.
"""

import logging
import random
import threading

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ornd_visma.sandbox.visma.options import VismaOptions

ERROR, TIMEOUT, DROP = "error", "timeout", "drop"
_ABORT_LOG = "ASGI callable returned without completing response."


class _DeliberateAborts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _ABORT_LOG


def quiet_deliberate_aborts() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DeliberateAborts) for f in logger.filters):
        logger.addFilter(_DeliberateAborts())


class Faults:
    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random = random.Random(seed)

    def draw(self, options: VismaOptions, is_write: bool) -> tuple[str, int] | None:
        """(kind, status for errors else 0) for the next request, or None."""
        with self._lock:
            roll = self._random.random()
            status = self._random.choice((500, 503))
        if roll < options.error_rate:
            return ERROR, status
        if roll < options.error_rate + options.timeout_rate:
            return TIMEOUT, 0
        bound = options.error_rate + options.timeout_rate + options.drop_after_commit_rate
        if is_write and roll < bound:
            return DROP, 0
        return None


class Dropped(Response):
    """Sends the status line and headers of `inner` (Content-Length included) and no body,
    then returns, so the server closes the connection mid-answer."""

    def __init__(self, inner: Response) -> None:
        self.inner = inner
        self.status_code = inner.status_code
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.inner.status_code,
                "headers": self.inner.raw_headers,
            }
        )
