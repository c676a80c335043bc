"""Helpers of the SIE export tests: a port nothing listens on (a Visma that cannot be asked)."""

import socket


def closed_port() -> int:
    """A local port that was free a moment ago: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
