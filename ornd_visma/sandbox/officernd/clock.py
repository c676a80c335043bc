"""Simulated time: the dataset's "today" plus real elapsed time plus explicit advances.

Tokens expire, rate-limit windows roll and new records are stamped on this clock, so a test
can jump an hour ahead instead of sleeping. It never goes backwards.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def parse_instant(value: object) -> datetime | None:
    """An ISO-8601 text as an aware UTC datetime (naive counts as UTC); None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exact, so equal instants compare equal."""
    return (moment - EPOCH) // MICROSECOND


def iso(moment: datetime) -> str:
    """The API's date-time format: UTC with milliseconds, e.g. `2025-01-01T00:00:00.000Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class SimClock:
    """now = start + real seconds since creation + advances."""

    def __init__(self, start: datetime) -> None:
        self._start = start if start.tzinfo else start.replace(tzinfo=UTC)
        self._origin = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The simulated current instant."""
        return self._start + timedelta(seconds=time.monotonic() - self._origin + self._offset)

    def seconds(self) -> float:
        """The simulated current instant as epoch seconds (for windows and expiries)."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Jump `seconds` ahead; returns the new now."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        with self._lock:
            self._offset += seconds
        return self.now()

    def set(self, moment: datetime) -> datetime:
        """Jump to `moment` (naive counts as UTC), which must not lie in the past."""
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        with self._lock:
            gap = (moment - self.now()).total_seconds()
            if gap < 0:
                raise ValueError(f"the clock never goes backwards: {moment} is in the past")
            self._offset += gap
        return self.now()
