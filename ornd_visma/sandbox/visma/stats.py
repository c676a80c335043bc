"""Request counters per endpoint (method + path template) and answer, for `/_sandbox/stats`."""

import threading
from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def record(self, endpoint: str, outcome: int | str) -> None:
        with self._lock:
            self._counts[(endpoint, str(outcome))] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._counts)
        per: dict[str, dict[str, int]] = {}
        for (endpoint, outcome), count in sorted(counts.items()):
            per.setdefault(endpoint, {})[outcome] = count
        return {"total": sum(counts.values()), "requests": per}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
