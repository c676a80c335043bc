"""Reading a list request's query string against the collection's spec.

What each endpoint accepts comes from `ornd_visma.officernd.collections` only. Parameters are
read literally (`status[$in]`, `modifiedAt[$gte]`, `$sort[name]`, `properties[key]`), the way
the `qs` parser behind NestJS splits them. Validation problems are collected and answered
together as one 400 with a message list, like the validation pipe; the multi-value and
required-filter errors are thrown later by the handler, so they carry a plain string.

Choices where the reference is silent: a repeated parameter keeps its last value, except a
repeated equality filter, which is refused like a comma list; `$cursorNext=` (empty) or
`=null` means the first page; `$limit` must be a whole number; `$select` names top-level
fields; `$sort` takes one field (`name`, `-name`, `$sort[name]=1|-1|asc|desc`), and an
unknown sort field or direction is a validation error naming the accepted values.
"""

import math
import re
from dataclasses import dataclass

from ornd_visma.officernd.collections import PAGE_SIZE_MAX, Collection
from ornd_visma.sandbox.officernd.clock import micros, parse_instant
from ornd_visma.sandbox.officernd.errors import (
    ApiError,
    bad_request,
    gateway_page,
    validation_error,
)

DEFAULT_LIMIT = PAGE_SIZE_MAX
ZERO_LIMIT = 20  # observed: `$limit=0` answers 20 results
DATE_OPERATORS = ("$gt", "$gte", "$lt", "$lte")
_PARAM = re.compile(r"([^\[\]]+)(?:\[([^\[\]]*)\])?")
_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
_DIRECTIONS = {"1": False, "asc": False, "-1": True, "desc": True}


@dataclass(frozen=True)
class SortSpec:
    """Order by one field; ties by `_id` then storage position."""

    field: str
    descending: bool

    @property
    def tag(self) -> str:
        """How a cursor remembers the order it was cut from, e.g. `-modifiedAt`."""
        return ("-" if self.descending else "") + self.field


@dataclass(frozen=True)
class ListQuery:
    """A validated list request. Filters are ANDed."""

    limit: int = DEFAULT_LIMIT
    cursor_next: str | None = None
    cursor_prev: str | None = None
    select: tuple[str, ...] | None = None
    sort: SortSpec | None = None
    equals: tuple[tuple[str, frozenset[str]], ...] = ()  # field, accepted texts
    dates: tuple[tuple[str, str, int], ...] = ()  # field, operator, epoch microseconds
    properties: tuple[tuple[str, str], ...] = ()  # custom property key, value


def _limit(text: str, over_max: str, problems: list[str]) -> int:
    if not _NUMBER.fullmatch(text) or not math.isfinite(number := float(text)):
        problems.append("$limit must be a number conforming to the specified constraints")
    elif number != int(number):
        problems.append("$limit must be an integer number")
    elif number < 0:
        problems.append("$limit must not be less than 0")
    elif number > PAGE_SIZE_MAX and over_max == "reject":
        problems.append(f"$limit must not be greater than {PAGE_SIZE_MAX}")
    else:
        return min(int(number), PAGE_SIZE_MAX) or ZERO_LIMIT
    return DEFAULT_LIMIT


def _sort(spec: Collection, terms: list[tuple[str, str]], problems: list[str]) -> SortSpec | None:
    """`$sort=field`, `$sort=-field` or `$sort[field]=1|-1|asc|desc`; one field only."""
    parsed: list[SortSpec] = []
    for field, direction in terms:
        if direction not in _DIRECTIONS:
            problems.append("$sort direction must be one of the following values: 1, -1, asc, desc")
        elif field not in spec.sort_fields:
            allowed = ", ".join(sorted(spec.sort_fields))
            problems.append(f"$sort must be one of the following values: {allowed}")
        else:
            parsed.append(SortSpec(field, _DIRECTIONS[direction]))
    if len(terms) > 1:
        problems.append("$sort must name a single field")
    return parsed[0] if len(parsed) == 1 and len(terms) == 1 else None


def _sort_terms(sub: str | None, value: str) -> list[tuple[str, str]]:
    if sub is not None:
        return [(sub, value.lower())]
    return [(t[1:], "-1") if t.startswith("-") else (t, "1") for t in value.split(",")]


def _cursor(value: str) -> str | None:
    return None if value in ("", "null") else value


def parse_list_query(spec: Collection, items: list[tuple[str, str]], over_max: str) -> ListQuery:
    """The query for `GET /<spec.name>` from the raw (key, value) pairs, or an ApiError."""
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    unknown: list[str] = []
    problems: list[str] = []
    multi_valued: str | None = None
    limit, select = DEFAULT_LIMIT, None
    cursors: dict[str, str | None] = {"$cursorNext": None, "$cursorPrev": None}
    sort_terms: list[tuple[str, str]] = []
    equals: list[tuple[str, frozenset[str]]] = []
    dates: list[tuple[str, str, int]] = []
    properties: list[tuple[str, str]] = []
    for key, values in grouped.items():
        value = values[-1]
        match = _PARAM.fullmatch(key)
        name, sub = (match.group(1), match.group(2)) if match else (key, None)
        if key == "$limit":
            limit = _limit(value, over_max, problems)
        elif key in cursors:
            cursors[key] = _cursor(value)
        elif key == "$select":
            select = tuple(f.strip() for f in value.split(",") if f.strip())
            if not select:
                problems.append("$select should not be empty")
        elif name == "$sort" and spec.sort_fields and match:
            sort_terms.extend(_sort_terms(sub, value))
        elif name == "properties" and sub:
            properties.append((sub, value))
        elif name in spec.equality_filters and sub is None:
            if len(values) > 1 or "," in value:
                multi_valued = multi_valued or name
            equals.append((name, frozenset({value})))
        elif name in spec.equality_filters and sub == "$in":
            equals.append((name, frozenset(value.split(","))))
        elif name in spec.date_filters and sub in DATE_OPERATORS:
            moment = parse_instant(value)
            if moment is None:
                problems.append(f"{name}.{sub} must be a valid ISO 8601 date string")
            else:
                dates.append((name, sub, micros(moment)))
        elif name not in unknown:
            unknown.append(name)
    sort = _sort(spec, sort_terms, problems) if sort_terms else None
    if unknown or problems:
        raise validation_error([f"property {n} should not exist" for n in unknown] + problems)
    if multi_valued:
        raise bad_request(
            "Multiple values in simple string format are not allowed — "
            f"use {multi_valued}[$in]=… format instead"
        )
    given = {field for field, _ in equals}
    if spec.required_one_of and not spec.required_one_of & given:
        needed = " or ".join(sorted(spec.required_one_of))
        raise bad_request(f"A {needed} filter is required")
    if cursors["$cursorNext"] and cursors["$cursorPrev"]:
        raise ApiError(gateway_page(504))  # observed bug: both cursors time out
    return ListQuery(
        limit=limit,
        cursor_next=cursors["$cursorNext"],
        cursor_prev=cursors["$cursorPrev"],
        select=select,
        sort=sort,
        equals=tuple(equals),
        dates=tuple(dates),
        properties=tuple(properties),
    )
