"""Keyset pagination over a table's order, with opaque base64-JSON cursors.

A cursor holds the order key of the page's edge record (`k`), how many matching records came
before the next page (`o`, for `rangeStart`) and the order it was cut from (`s`). The next page
is the records strictly after `k`, so records modified during a walk are returned exactly once
(unless the walk is sorted by the field that changed), a record added with a larger key shows up
at the end, and a page costs O(page) plus the skipped non-matching records. `rangeStart` comes
from the cursor rather than a count over the whole list, which keeps paging O(page); it drifts
by the number of records added or deleted before the cursor during a walk, as offsets would.
"""

import base64
import bisect
from dataclasses import dataclass
from typing import Any

import orjson

from ornd_visma.sandbox.officernd.filters import Matcher, matcher
from ornd_visma.sandbox.officernd.query import ListQuery
from ornd_visma.sandbox.officernd.table import Key, Table


class CursorError(ValueError):
    """A cursor this server did not write (tampered, truncated, or from another order)."""


@dataclass(frozen=True)
class Page:
    """One list response."""

    results: list[dict[str, Any]]
    range_start: int
    range_end: int
    cursor_next: str | None
    cursor_prev: str | None

    def envelope(self) -> dict[str, Any]:
        """The response body; a cursor key is absent (not null) at either end."""
        body: dict[str, Any] = {"results": self.results}
        if self.cursor_next:
            body["cursorNext"] = self.cursor_next
        if self.cursor_prev:
            body["cursorPrev"] = self.cursor_prev
        body["rangeStart"] = self.range_start
        body["rangeEnd"] = self.range_end
        return body


def encode_cursor(key: Key, offset: int, tag: str) -> str:
    """An opaque cursor text (URL-safe base64 of JSON)."""
    return base64.urlsafe_b64encode(orjson.dumps({"k": key, "o": offset, "s": tag})).decode()


def decode_cursor(text: str, tag: str) -> tuple[Key, int]:
    """The (key, offset) inside a cursor cut from the order `tag`, or CursorError."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(text.encode("ascii")))
        key, offset, cursor_tag = data["k"], data["o"], data["s"]
        rid, position = key[-2], key[-1]
        head = tuple(key[0]) if tag else key[0]
    except (KeyError, TypeError, ValueError, IndexError) as exc:  # base64, JSON or shape
        raise CursorError(text) from exc
    valid = (
        cursor_tag == tag
        and len(key) == (3 if tag else 2)
        and isinstance(rid, str)
        and isinstance(position, int)
        and isinstance(offset, int)
        and offset >= 0
        and (len(head) == 2 if tag else isinstance(head, str))
    )
    if not valid:
        raise CursorError(text)
    return ((head, rid, position) if tag else (head, position)), offset


class _Walk:
    """Scans an ascending key list in either direction from a key, collecting matches."""

    def __init__(self, keys: list[Key], table: Table, match: Matcher | None) -> None:
        self.keys, self.records, self.match = keys, table.records, match

    def _start(self, key: Key | None, step: int) -> int:
        if key is None:
            return 0 if step > 0 else len(self.keys) - 1
        try:
            if step > 0:
                return bisect.bisect_right(self.keys, key)
            return bisect.bisect_left(self.keys, key) - 1
        except TypeError as exc:  # a forged key of another shape than the order's
            raise CursorError(repr(key)) from exc

    def collect(self, key: Key | None, step: int, count: int) -> list[int]:
        """Indexes (into keys) of up to `count` matching records strictly beyond `key`."""
        found: list[int] = []
        end = len(self.keys) if step > 0 else -1
        for index in range(self._start(key, step), end, step):
            position = self.keys[index][-1]
            if self.match is None or self.match(position, self.records[position]):
                found.append(index)
                if len(found) == count:
                    break
        return found

    def exists(self, key: Key, step: int) -> bool:
        """Whether any matching record lies beyond `key` in direction `step`."""
        return bool(self.collect(key, step, 1))


def _project(record: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
    """`$select`: `_id` always, then the named fields the record has (unknown ones vanish)."""
    if select is None:
        return record
    picked = {"_id": record.get("_id")}
    picked.update((field, record[field]) for field in select if field in record)
    return picked


def list_page(table: Table, query: ListQuery) -> Page:
    """The page `query` asks for. Raises CursorError for a cursor that cannot be used."""
    sort = query.sort
    keys = table.sorted_keys(sort.field) if sort else table.keys
    tag = sort.tag if sort else ""
    forward = -1 if sort and sort.descending else 1
    walk = _Walk(keys, table, matcher(query, table))
    limit = query.limit
    if query.cursor_prev:
        edge, before = decode_cursor(query.cursor_prev, tag)
        found = walk.collect(edge, -forward, limit + 1)
        indexes = found[:limit][::-1]
        has_prev = len(found) > limit
        has_next = bool(indexes) and walk.exists(keys[indexes[-1]], forward)
        start = max(1, before - len(indexes) + 1)
    else:
        edge, before = decode_cursor(query.cursor_next, tag) if query.cursor_next else (None, 0)
        found = walk.collect(edge, forward, limit + 1)
        indexes = found[:limit]
        has_next = len(found) > limit
        has_prev = edge is not None and bool(indexes) and walk.exists(keys[indexes[0]], -forward)
        start = before + 1
    if not indexes:
        return Page([], 0, 0, None, None)
    end = start + len(indexes) - 1
    first, last = keys[indexes[0]], keys[indexes[-1]]
    return Page(
        results=[_project(table.records[keys[i][-1]], query.select) for i in indexes],
        range_start=start,
        range_end=end,
        cursor_next=encode_cursor(last, end, tag) if has_next else None,
        cursor_prev=encode_cursor(first, start - 1, tag) if has_prev else None,
    )
