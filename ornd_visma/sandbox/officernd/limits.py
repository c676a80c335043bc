"""Rolling-window rate limits on the simulated clock.

A window admits at most `limit` requests per key in any 60 s; a refused request is not
counted, and the answer says how many whole seconds until the oldest counted one leaves
(at least 1). Using the simulated clock lets a test free the window by advancing time.
"""

import math
from collections import deque

WINDOW_SECONDS = 60.0


class RollingLimit:
    """Per-key sliding windows. The limit is passed per call so options can change live."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def acquire(self, key: str, limit: int, now: float) -> int | None:
        """Count one request at `now` (epoch seconds) and return None, or refuse it and
        return the Retry-After seconds."""
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) < limit:
            events.append(now)
            return None
        if limit <= 0:
            return math.ceil(self.window)
        frees_at = events[len(events) - limit] + self.window
        return max(1, math.ceil(frees_at - now))
