"""The simulated organisation: every collection's records and the simulated clock.

Loading is one pass over the dataset (plus one sort of the `_id`s per collection); then the
journal under `state_dir/officernd/` is replayed, so live changes survive a restart. Live
changes (`add`, `patch`, `delete`, clock moves) are journaled before they are applied. One
re-entrant lock serialises readers and writers: tests mutate from their own thread while the
server answers from its event-loop thread.

Choices where the reference is silent:
- `add` stamps `_id` (a fresh ObjectId whose time prefix is the simulated now), `createdAt` and
  `modifiedAt` (the simulated now) unless the record brings its own, so a test can also plant
  a late record with a stale `modifiedAt`.
- `patch` shallow-merges and bumps `modifiedAt` unless the patch sets it; `_id` cannot change.
- With duplicated `_id`s, `patch` and `delete` act on every copy; `GET /{id}` shows the first.
- After a restart the clock resumes at the later of the configured today and the last journaled
  instant, so it never runs backwards across restarts either.
"""

import gc
import itertools
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ornd_visma.collector import paused_collector
from ornd_visma.officernd.collections import BY_NAME
from ornd_visma.sandbox.dataset import read_dataset
from ornd_visma.sandbox.officernd.clock import SimClock, iso, parse_instant
from ornd_visma.sandbox.officernd.journal import Journal
from ornd_visma.sandbox.officernd.paging import Page, list_page
from ornd_visma.sandbox.officernd.query import ListQuery
from ornd_visma.sandbox.officernd.table import Table

JOURNAL = Path("officernd") / "journal.jsonl"
# From this size on, the loaded records are moved out of the collector's reach (gc.freeze),
# so later collections do not rescan them during requests; records hold no reference cycles.
# Below it the freeze is not worth keeping other objects (earlier simulators in a test run)
# from ever being collected.
FREEZE_AT_RECORDS = 100_000
_object_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))


def new_object_id(moment: datetime) -> str:
    """A 24-hex MongoDB ObjectId: 4 bytes of time, 5 random bytes, a 3-byte counter."""
    counter = next(_object_counter) & 0xFFFFFF
    return f"{int(moment.timestamp()) & 0xFFFFFFFF:08x}{os.urandom(5).hex()}{counter:06x}"


def newest_stamp(data: dict[str, list[dict[str, Any]]]) -> datetime | None:
    """The newest `createdAt`/`modifiedAt` in the dataset: the default simulated today."""
    newest: datetime | None = None
    for records in data.values():
        for record in records:
            for field in ("createdAt", "modifiedAt"):
                moment = parse_instant(record.get(field))
                if moment is not None and (newest is None or moment > newest):
                    newest = moment
    return newest


class Store:
    """Records, clock and journal of one simulated organisation."""

    def __init__(self, dataset_dir: Path, state_dir: Path, today: datetime | None = None) -> None:
        if today is not None and today.tzinfo is None:
            today = today.replace(tzinfo=UTC)
        self.lock = threading.RLock()
        self._journal = Journal(state_dir / JOURNAL)
        with paused_collector():  # millions of records, no cycles
            data = read_dataset(dataset_dir)
            start = today or newest_stamp(data) or datetime.now(UTC)
            self.tables = {name: Table(BY_NAME[name], records) for name, records in data.items()}
            resumed = self._replay()
        if sum(table.size for table in self.tables.values()) >= FREEZE_AT_RECORDS:
            gc.freeze()
        self.clock = SimClock(max(start, resumed) if resumed else start)

    def _replay(self) -> datetime | None:
        latest: datetime | None = None
        for entry in self._journal.entries():
            self._apply(entry)
            moment = parse_instant(entry.get("at"))
            if moment is not None and (latest is None or moment > latest):
                latest = moment
        return latest

    def _apply(self, entry: dict[str, Any]) -> None:
        op = entry["op"]
        if op == "clock":
            return
        table = self.tables[entry["collection"]]
        if op == "add":
            table.insert(entry["record"])
        elif op == "patch":
            for position in table.positions(entry["id"]):
                table.replace(position, {**table.records[position], **entry["fields"]})
        elif op == "delete":
            for position in table.positions(entry["id"]):
                table.remove(position)

    def _record(self, entry: dict[str, Any]) -> None:
        self._journal.append(entry)
        self._apply(entry)

    def table(self, collection: str) -> Table:
        """The table of `collection` (KeyError if the API has no such collection)."""
        try:
            return self.tables[collection]
        except KeyError:
            raise KeyError(f"unknown OfficeRnD collection {collection!r}") from None

    def now(self) -> datetime:
        """The simulated now."""
        return self.clock.now()

    # Reads (the API)

    def list_page(self, collection: str, query: ListQuery) -> Page:
        """One page of `GET /<collection>`."""
        with self.lock:
            return list_page(self.table(collection), query)

    def get(self, collection: str, rid: str) -> dict[str, Any] | None:
        """The first stored record with `_id` == `rid`."""
        with self.lock:
            return self.table(collection).first(rid)

    def count(self, collection: str) -> int:
        """How many records `collection` holds (duplicates included)."""
        with self.lock:
            return self.table(collection).size

    # Live changes

    def add(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a new record; returns it as stored."""
        if "_id" in record and not isinstance(record["_id"], str):
            raise ValueError("_id must be a string")
        with self.lock:
            self.table(collection)
            now = self.clock.now()
            stored = {"_id": new_object_id(now), "createdAt": iso(now), "modifiedAt": iso(now)}
            stored.update(record)
            self._record({"op": "add", "collection": collection, "record": stored, "at": iso(now)})
            return dict(stored)

    def patch(self, collection: str, rid: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
        """Shallow-merge `fields` into every record with this `_id`; returns the new versions
        (empty when there is none)."""
        if fields.get("_id", rid) != rid:
            raise ValueError("_id cannot change")
        with self.lock:
            table = self.table(collection)
            if not table.positions(rid):
                return []
            now = iso(self.clock.now())
            changes = {"modifiedAt": now, **{k: v for k, v in fields.items() if k != "_id"}}
            entry = {"op": "patch", "collection": collection, "id": rid, "fields": changes}
            self._record({**entry, "at": now})
            return [dict(r) for p in table.positions(rid) if (r := table.records[p]) is not None]

    def delete(self, collection: str, rid: str) -> int:
        """Delete every record with this `_id`; returns how many there were."""
        with self.lock:
            table = self.table(collection)
            found = len(table.positions(rid))
            if found:
                now = iso(self.clock.now())
                self._record({"op": "delete", "collection": collection, "id": rid, "at": now})
            return found

    def advance_clock(self, seconds: float) -> datetime:
        """Move simulated time `seconds` ahead (persisted); returns the new now."""
        with self.lock:
            now = self.clock.advance(seconds)
            self._journal.append({"op": "clock", "at": iso(now)})
            return now

    def set_clock(self, moment: datetime) -> datetime:
        """Move simulated time to `moment`, which must not be in the past (persisted)."""
        with self.lock:
            now = self.clock.set(moment)
            self._journal.append({"op": "clock", "at": iso(now)})
            return now
