"""The rate limit: N requests per client and endpoint in a sliding 60 s window.

"Endpoint" is the HTTP method plus the path template (`GET /v2/customers/{customerId}`), as
the reference's simulator notes say. A refused request does not count, so a client that
waits for the window to move gets through again ("as soon as the number of requests is below
the limit, the response will go back to normal"). Time is the simulated clock.
"""

import math
import threading
from collections import defaultdict, deque

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def admit(self, client: str, endpoint: str, limit: int, now: float) -> int | None:
        """Count a request; None if admitted, else the seconds until one would be."""
        with self._lock:
            hits = self._hits[(client, endpoint)]
            while hits and hits[0] <= now - WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= limit:
                oldest = hits[len(hits) - limit]
                return max(1, math.ceil(oldest + WINDOW_SECONDS - now))
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
