"""Whether a stored record matches a list query's filters.

Equality compares texts, as a query string can only carry text: booleans read `true`/`false`,
numbers their JSON form, and an array field matches when any element does (MongoDB's rule).
Date comparisons use the instants parsed once per table; a record whose field is missing or is
not a date matches no comparison.
"""

import operator
from collections.abc import Callable
from typing import Any

import orjson

from ornd_visma.sandbox.officernd.query import ListQuery
from ornd_visma.sandbox.officernd.table import Table

Matcher = Callable[[int, dict[str, Any]], bool]
_COMPARE = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def as_text(value: Any) -> str | None:
    """A scalar as the text a query string would carry; None for null, objects and arrays."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return orjson.dumps(value).decode()
    return None


def _text_in(value: Any, accepted: frozenset[str]) -> bool:
    if isinstance(value, list):
        return any(as_text(item) in accepted for item in value)
    return as_text(value) in accepted


def _equals(field: str, accepted: frozenset[str]) -> Matcher:
    return lambda _position, record: _text_in(record.get(field), accepted)


def _date(instants: list[int | None], op: str, bound: int) -> Matcher:
    compare = _COMPARE[op]

    def check(position: int, _record: dict[str, Any]) -> bool:
        value = instants[position]
        return value is not None and compare(value, bound)

    return check


def _property(key: str, wanted: str) -> Matcher:
    def check(_position: int, record: dict[str, Any]) -> bool:
        properties = record.get("properties")
        return isinstance(properties, dict) and as_text(properties.get(key)) == wanted

    return check


def matcher(query: ListQuery, table: Table) -> Matcher | None:
    """A test for (position, record), or None when the query has no filter (every record)."""
    checks = [_equals(field, accepted) for field, accepted in query.equals]
    checks += [_date(table.instants(field), op, bound) for field, op, bound in query.dates]
    checks += [_property(key, wanted) for key, wanted in query.properties]
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda position, record: all(check(position, record) for check in checks)
