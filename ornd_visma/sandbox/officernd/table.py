"""One collection in memory: records in storage order plus the orders that paging walks.

Records are never moved: a position is a record's identity for the life of the simulator
(journal replay reproduces the same positions), so keys `(…, _id, position)` are unique even
where a dataset holds duplicated `_id`s on purpose. The default order `(_id, position)` is kept
sorted incrementally; sort orders and parsed dates are built on first use and dropped on any
mutation, so an unsorted page costs O(page) and a mutation O(n) at worst.
"""

import bisect
from typing import Any

import orjson

from ornd_visma.officernd.collections import Collection
from ornd_visma.sandbox.officernd.clock import micros, parse_instant

# A position in an order: (_id, position) by default, (sort value, _id, position) when sorted.
Key = tuple[Any, ...]


def record_id(record: dict[str, Any]) -> str:
    """The record's `_id` as text ("" when missing, so it still has a place in the order)."""
    value = record.get("_id")
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def sort_value(value: Any) -> tuple[int, Any]:
    """A key ordering any JSON values like MongoDB does: missing/null < numbers < strings <
    objects and arrays < booleans. Values of one rank compare among themselves only."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (5, value)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())


class Table:
    """The stored records of one collection (deleted ones leave a None behind)."""

    def __init__(self, spec: Collection, records: list[dict[str, Any]]) -> None:
        self.spec = spec
        self.records: list[dict[str, Any] | None] = list(records)
        self.ids: dict[str, list[int]] = {}
        for position, record in enumerate(records):
            self.ids.setdefault(record_id(record), []).append(position)
        self.keys: list[Key] = sorted((record_id(r), p) for p, r in enumerate(records))
        self.size = len(records)
        self._derived: dict[tuple[str, str], list[Any]] = {}

    def positions(self, rid: str) -> list[int]:
        """Storage positions of the live records with `_id` == `rid`, oldest first."""
        return list(self.ids.get(rid, ()))

    def first(self, rid: str) -> dict[str, Any] | None:
        """The first stored record with this `_id` (what `GET /<collection>/{id}` answers)."""
        found = self.ids.get(rid)
        return self.records[found[0]] if found else None

    def insert(self, record: dict[str, Any]) -> None:
        """Store a new record at the end."""
        position = len(self.records)
        self.records.append(record)
        rid = record_id(record)
        self.ids.setdefault(rid, []).append(position)
        bisect.insort(self.keys, (rid, position))
        self.size += 1
        self._derived.clear()

    def replace(self, position: int, record: dict[str, Any]) -> None:
        """Swap the record at `position` for a new version with the same `_id`."""
        self.records[position] = record
        self._derived.clear()

    def remove(self, position: int) -> None:
        """Delete the record at `position`."""
        record = self.records[position]
        if record is None:
            return
        rid = record_id(record)
        self.records[position] = None
        self.ids[rid].remove(position)
        if not self.ids[rid]:
            del self.ids[rid]
        del self.keys[bisect.bisect_left(self.keys, (rid, position))]
        self.size -= 1
        self._derived.clear()

    def sorted_keys(self, field: str) -> list[Key]:
        """Live records ordered by `field` ascending, ties by `_id` then position."""
        cached = self._derived.get(("sort", field))
        if cached is None:
            cached = sorted(
                (sort_value(r.get(field)), record_id(r), p)
                for p, r in enumerate(self.records)
                if r is not None
            )
            self._derived[("sort", field)] = cached
        return cached

    def instants(self, field: str) -> list[int | None]:
        """`field` of every position as epoch microseconds (None: missing, deleted or no date)."""
        cached = self._derived.get(("date", field))
        if cached is None:
            cached = []
            for record in self.records:
                moment = parse_instant(record.get(field)) if record is not None else None
                cached.append(micros(moment) if moment is not None else None)
            self._derived[("date", field)] = cached
        return cached
