"""Serving the simulators: uvicorn on 127.0.0.1 only, in the foreground (the CLI) or in a
background thread (tests and the demo)."""

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"


def _config(app: ASGIApp) -> uvicorn.Config:
    # h11 and no lifespan: the simulators hold their state in plain objects.
    return uvicorn.Config(app, log_level="warning", http="h11", lifespan="off", access_log=False)


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it Nagle's algorithm adds ~40 ms per request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((LOOPBACK, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve_forever(apps: Sequence[tuple[ASGIApp, int]]) -> None:
    """Serve each `(app, port)` on 127.0.0.1 until interrupted (Ctrl-C)."""
    servers = [(uvicorn.Server(_config(app)), _bind(port)) for app, port in apps]

    async def main() -> None:
        await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in servers))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@contextlib.contextmanager
def running(app: ASGIApp, port: int = 0) -> Iterator[str]:
    """Serve `app` in a background thread; yields its base URL. Port 0 picks a free port."""
    sock = _bind(port)
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("simulator did not start")
        time.sleep(0.01)
    try:
        yield f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
