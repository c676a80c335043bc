"""Simulated time. Token and code expiry, rate-limit windows and the `...Utc` stamps all read
this clock, so a test advances it (`POST /_sandbox/clock`) instead of sleeping.

now = start + real seconds since creation + explicit advances; it never goes backwards.
"""

import threading
import time
from datetime import UTC, date, datetime, timedelta


class SimClock:
    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        self._start = start if start.tzinfo else start.replace(tzinfo=UTC)
        self._origin = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    @classmethod
    def starting_on(cls, today: date | None) -> "SimClock":
        """A clock on `today` at 09:00 UTC, or on the real now when `today` is None."""
        if today is None:
            return cls()
        return cls(datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return self._start + timedelta(seconds=time.monotonic() - self._origin + offset)

    def seconds(self) -> float:
        """Now as epoch seconds."""
        return self.now().timestamp()

    def today(self) -> date:
        return self.now().date()

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        with self._lock:
            self._offset += seconds
        return self.now()


def utc_stamp(moment: datetime) -> str:
    """A `...Utc` field value: ISO 8601 UTC with milliseconds and a Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
