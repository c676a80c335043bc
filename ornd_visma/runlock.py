"""One writer at a time: an advisory lock file beside the warehouse, held for a whole
`ornd-visma run` (DuckDB takes one writing process; a second run would fail half-way on
DuckDB's own lock, or two could interleave their windows).

The lock is `fcntl.flock` on `<warehouse>.run.lock`: the kernel drops it when the holder
exits, also on kill -9, so a crashed run never leaves a stale lock. The file holds the
holder's pid and start time, for the message the second run prints.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class Busy(RuntimeError):
    """Another process holds the lock."""


@contextmanager
def exclusive(path: Path, what: str, *, wait: bool = False) -> Iterator[None]:
    """Hold the lock at `path` for the block; `wait` False: raise `Busy` at once when another
    process holds it, naming `what` and the holder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise Busy(
                f"{what} is in use by another ornd-visma run ({holder}); wait for it to "
                "finish, or stop it, then run again"
            ) from None
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {stamp}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def run_lock(warehouse: Path) -> Path:
    """The lock file of runs writing `warehouse`."""
    return warehouse.with_name(warehouse.name + ".run.lock")


def ensure_free(path: Path, what: str) -> None:
    """`Busy` now if another process holds the lock (checked before slower preflights; the
    run itself takes the lock for its whole length)."""
    with exclusive(path, what):
        pass
