"""A client-side sliding-window limiter, so a run stays under OfficeRnD's read budget instead
of learning it from 429s (the simulator's default, and the figure third parties report, is
about 400 reads a minute)."""

import collections
import threading
import time


class SlidingWindowLimiter:
    def __init__(self, per_window: int, window_s: float = 60.0) -> None:
        if per_window < 1:
            raise ValueError("per_window must be at least 1")
        self.per_window = per_window
        self.window_s = window_s
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more request fits in the window, then count it."""
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.window_s:
                    self._sent.popleft()
                if len(self._sent) < self.per_window:
                    self._sent.append(now)
                    return
                wait = self.window_s - (now - self._sent[0])
            time.sleep(max(wait, 0.001))
