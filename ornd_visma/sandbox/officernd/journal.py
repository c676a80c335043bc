"""An append-only journal of live changes, replayed over the dataset at start.

The dataset directory stays untouched (it may be shared by several runs); a restarted
simulator with the same state directory serves the changed records and resumes its clock.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson


class Journal:
    """One JSON object per line in `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every complete entry in write order. A torn last line (a crash mid-write) is skipped."""
        if not self.path.exists():
            return
        for line in self.path.read_bytes().splitlines():
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError:
                continue

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry and flush it, so a killed simulator loses nothing already answered."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as handle:
            handle.write(orjson.dumps(entry) + b"\n")
