"""An OfficeRnD that is not there: the first request spends its retries, every later one
fails at once naming why, so a run ends in seconds, not minutes of retries per collection."""

import socket
import time

import pytest

from ornd_visma.config import OfficeRnDSettings
from ornd_visma.officernd.client import OfficeRnDClient, OfficeRnDUnreachable


def test_a_dead_server_is_given_up_once(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)  # the back-off's waits, not the test's
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = OfficeRnDSettings(f"{base}/api/v2", base, "sandbox", "sandbox", "sandbox")
    with OfficeRnDClient(settings, timeout_s=1.0) as client:
        with pytest.raises(OfficeRnDUnreachable, match=r"\(ConnectError: .*refused\)$"):
            client.fetch_all("locations")  # the token's retries spent once, then given up
        assert client.unreachable.startswith("ConnectError")
        started = time.monotonic()
        with pytest.raises(OfficeRnDUnreachable, match=r"^members: OfficeRnD at http://127"):
            client.fetch_all("members")
        assert time.monotonic() - started < 1
        # the token was tried once with its own retries, the page not again for every attempt
        assert client.stats.token_requests <= 8
