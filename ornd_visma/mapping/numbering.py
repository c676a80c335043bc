"""Visma `InvoiceNumber`s for OfficeRnD documents (ledger mode): a number range per location
and series, so that numbers are unique within each Visma company.

Why: OfficeRnD numbers documents per location, each document type in its own series
(`000101-STH`, `000101-GBG`, `CN00001-STH`), while a customer ledger item's `InvoiceNumber`
is one int32 per Visma company. Keeping the digits alone gave two locations of one company,
and an invoice and a credit note, the same number.

* **Series**: `invoice` and `credit_note` (OfficeRnD's own two series) and `reversal` (our
  correction credits, `payloads.reversal`; they have no OfficeRnD number and are numbered 1, 2,
  ... in the order they are planned, after the highest number the outbox already holds in the
  range).
* **A range** starts at its start and ends just before the next range's start in the same
  Visma company (the next of every location and series mapped to that entity), the last one
  at 2,147,483,647. `InvoiceNumber = start + sequence number`, the sequence number read from
  OfficeRnD's number by `numbering.sequence_pattern` (default: its first run of digits).
  A number with no sequence, or whose sum passes the end of its range, is held with a reason
  naming it (`posting/keys.py: invoice_number`); `ornd-visma doctor` refuses ranges that
  share a start, and sequences that OfficeRnD has already carried past a range's end.
* **Pinned** ranges: `locations.<code>.invoice_numbers: {invoice: …, credit_note: …,
  reversal: …}`. **Recommended**, before the first posting: a default depends on the spelling
  of the location's key, and changing it would number that location's next documents
  elsewhere (posted documents keep their numbers; only what is posted afterwards moves).
* **The default** of a location without `invoice_numbers` depends on its key in the mapping
  alone, never on the other locations, so adding, removing or reordering locations does not
  move an existing location's numbers: slot = sha256(key) mod 712; base = 10,000,000 + slot ×
  3,000,000; invoice = base, credit_note = base + 1,000,000, reversal = base + 2,000,000
  (1,000,000 numbers each; Visma's own invoice series, from 1, stays below 10,000,000). Two
  keys can share a slot (about 6 % for ten locations in one company): doctor refuses that,
  and pinning one of them (doctor prints a free range) resolves it.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ornd_visma.mapping.model import DEFAULT_SEQUENCE_PATTERN, INT32_MAX, Mapping

Series = Literal["invoice", "credit_note", "reversal"]
SERIES: tuple[Series, ...] = ("invoice", "credit_note", "reversal")
DEFAULT_BASE = 10_000_000
DEFAULT_WIDTH = 1_000_000
DEFAULT_SLOTS = (INT32_MAX + 1 - DEFAULT_BASE) // (len(SERIES) * DEFAULT_WIDTH)  # 712


@dataclass(frozen=True)
class NumberRange:
    entity: str
    location: str  # the location's key in the mapping
    series: Series
    start: int
    end: int  # the last number it may give; below `start` when another range shares its start
    pinned: bool

    @property
    def name(self) -> str:
        return f"locations.{self.location}.invoice_numbers.{self.series}"

    def __str__(self) -> str:
        origin = "" if self.pinned else ", the default"
        if self.end < self.start:
            return f"`{self.name}` (from {self.start}, where another range starts too{origin})"
        return f"`{self.name}` ({self.start}–{self.end}{origin})"


def series_of(document_type: str) -> Series:
    """The series of an OfficeRnD document type (`invoice`, `creditNote`)."""
    return "credit_note" if document_type == "creditNote" else "invoice"


def default_starts(key: str) -> dict[Series, int]:
    """The default first number of each series of the location keyed `key` (see above)."""
    slot = int(hashlib.sha256(key.encode()).hexdigest(), 16) % DEFAULT_SLOTS
    return slot_starts(slot)


def slot_starts(slot: int) -> dict[Series, int]:
    base = DEFAULT_BASE + slot * len(SERIES) * DEFAULT_WIDTH
    return {series: base + i * DEFAULT_WIDTH for i, series in enumerate(SERIES)}


def starts(mapping: Mapping, key: str) -> tuple[dict[Series, int], bool]:
    """The first number of each series of location `key`, and whether they are pinned."""
    pinned = mapping.locations[key].invoice_numbers
    if pinned is None:
        return default_starts(key), False
    return {series: getattr(pinned, series) for series in SERIES}, True


def number_ranges(mapping: Mapping) -> dict[tuple[str, Series], NumberRange]:
    """Every (location key, series) range, with its end within its Visma company."""
    by_entity: dict[str, list[tuple[int, str, Series, bool]]] = {}
    for key, location in mapping.locations.items():
        first, pinned = starts(mapping, key)
        for series in SERIES:
            by_entity.setdefault(location.entity, []).append((first[series], key, series, pinned))
    out: dict[tuple[str, Series], NumberRange] = {}
    for entity, entries in by_entity.items():
        for start, key, series, pinned in entries:
            later = [s for s, k, r, _ in entries if s >= start and (k, r) != (key, series)]
            end = min(later) - 1 if later else INT32_MAX
            out[(key, series)] = NumberRange(entity, key, series, start, end, pinned)
    return out


def location_key(mapping: Mapping, *names: str | None) -> str | None:
    """The key of the first of `names` (a location's code or id) in the mapping's locations."""
    return next((n for n in names if n is not None and n in mapping.locations), None)


def sequence_number(number: str | None, pattern: str = DEFAULT_SEQUENCE_PATTERN) -> int | None:
    """OfficeRnD's sequence number in its document `number`: the first match of `pattern`
    (its first group, if it has one); None when there is none."""
    found = re.search(pattern, number or "")
    if found is None:
        return None
    text = found.group(1) if found.re.groups else found.group(0)
    return int(text) if text and text.isdigit() else None


def next_free(numbers: NumberRange, used: Iterable[int]) -> int:
    """The next number of a range numbered in order (reversals): one past the highest number
    already used in it, the first being start + 1."""
    inside = [n for n in used if numbers.start <= n <= numbers.end]
    return max(inside, default=numbers.start) + 1


def free_slot(mapping: Mapping, entity: str) -> dict[Series, int] | None:
    """Starts of the default layout whose slot no range of `entity` reaches into within its
    first 1,000,000 numbers (for doctor's fix texts)."""
    taken = [r.start for r in number_ranges(mapping).values() if r.entity == entity]
    for slot in range(DEFAULT_SLOTS):
        first = slot_starts(slot)
        low, high = first["invoice"], first["reversal"] + DEFAULT_WIDTH - 1
        if not any(start <= high and start + DEFAULT_WIDTH - 1 >= low for start in taken):
            return first
    return None
