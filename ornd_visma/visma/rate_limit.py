"""Client-side rate limiting per endpoint, below Visma's 600 requests a minute.

Visma counts requests "per client and endpoint/URL" in a minute (reference §1.3); the
simulator counts per method + path template in a sliding 60 s window. So the client keeps one
sliding window per `endpoint(method, path)` (ids in the path replaced by `{id}`), at
`DEFAULT_PER_MINUTE` (570: 95 % of the limit, room for a clock skew and for someone else
using the same client). A 429 / 4010 answer still happens (another process, a smaller quota):
`penalize` blocks that endpoint for the seconds Visma names ("Try again in 55 seconds").

`clock` and `sleep` are injectable so a benchmark can run on a compressed clock shared with
the simulator.
"""

import collections
import re
import threading
import time
from collections.abc import Callable

LIMIT_PER_MINUTE = 600
DEFAULT_PER_MINUTE = 570
WINDOW_S = 60.0
# Our window is a little longer than Visma's: its clock starts counting a request a moment
# after ours does (network, queueing), so an exact 60 s would meet a 429 at the boundary.
WINDOW_MARGIN_S = 1.0
_ID_SEGMENT = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d+)$"
)
_TRY_AGAIN = re.compile(r"[Tt]ry again in (\d+) second")


def endpoint(method: str, path: str) -> str:
    """`POST /v2/customers/3f1c…` → `POST /v2/customers/{id}`: Visma's counting unit."""
    parts = [("{id}" if _ID_SEGMENT.match(p) else p) for p in path.split("?")[0].split("/")]
    return f"{method.upper()} {'/'.join(parts)}"


def retry_after_seconds(message: str | None, default: float = 60.0) -> float:
    """The wait in a 4010 message ("... Try again in 55 seconds."), else `default`."""
    match = _TRY_AGAIN.search(message or "")
    return float(match.group(1)) if match else default


class EndpointLimiter:
    def __init__(
        self,
        per_minute: int = DEFAULT_PER_MINUTE,
        *,
        window_s: float = WINDOW_S + WINDOW_MARGIN_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.window_s = window_s
        self.clock = clock
        self.sleep = sleep
        self._sent: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(self, key: str) -> None:
        """Block until one more request to `key` fits in its window, then count it."""
        while True:
            with self._lock:
                now = self.clock()
                sent = self._sent[key]
                while sent and now - sent[0] >= self.window_s:
                    sent.popleft()
                blocked = self._blocked_until.get(key, 0.0) - now
                if blocked <= 0 and len(sent) < self.per_minute:
                    sent.append(now)
                    return
                wait = max(blocked, self.window_s - (now - sent[0]) if sent else 0.0)
                self.waited_s += max(wait, 0.0)
            self.sleep(max(wait, 0.001))

    def penalize(self, key: str, seconds: float) -> None:
        """Visma refused `key` with 4010: send nothing there for `seconds`."""
        with self._lock:
            until = self.clock() + seconds
            self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)
