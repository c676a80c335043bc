"""Counters behind `GET /_sandbox/stats`, so tests can assert how a client used the API
(how many requests per collection, how many retries after faults and 429s)."""

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters: the server counts, a test thread reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._statuses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._token_requests = 0

    def request(self, method: str, collection: str) -> None:
        """An API request arrived (faulted or not)."""
        with self._lock:
            self._requests[f"{method} {collection}"] += 1

    def status(self, status: int) -> None:
        """A complete API answer was sent with `status` (injected 5xx included)."""
        with self._lock:
            self._statuses[str(status)] += 1

    def fault(self, kind: str) -> None:
        """A fault of `kind` (error, drop, truncate) was injected."""
        with self._lock:
            self._faults[kind] += 1

    def token_request(self) -> None:
        """A request reached the token endpoint."""
        with self._lock:
            self._token_requests += 1

    def snapshot(self) -> dict[str, Any]:
        """All counters as a JSON object."""
        with self._lock:
            return {
                "requests": dict(self._requests),
                "statuses": dict(self._statuses),
                "token_requests": self._token_requests,
                "faults": dict(self._faults),
            }
