"""Query parameters checked against the type each operation declares in the OpenAPI document,
as ASP.NET model binding checks them before the action runs.

* Names match case-insensitively (ASP.NET binds `showpriceswithtwodecimals` too); a name the
  operation does not declare is left to the handler (`$page`, `$filter`, ... in `http`) or
  ignored, as the real API ignores unknown query parameters.
* `boolean`: `true` or `false` in any case (`bool.Parse`; `1`, `0`, `null` and the empty
  text are refused). `integer`: an optional sign and digits within int32/int64. A `uuid`
  string: the 8-4-4-4-12 hex form. A `date-time` string: `spec.parse_date_time` (a date, or a
  date and time with or without an offset). A plain `string` takes anything.
* A repeated parameter is checked in every occurrence.
* Refusal: 400 with Visma's error body, ErrorCode 6001 `InvalidInput` for a date-time (the
  error catalogue names 6001 for a bad DateTime format) and 6000 `QueryParameterError` for the
  other types, with one `Errors` entry naming the parameter.
"""

import functools
import re
from collections.abc import Iterable
from typing import Any

from ornd_visma.sandbox.visma import spec
from ornd_visma.sandbox.visma.errors import (
    INVALID_INPUT,
    QUERY_PARAMETER,
    FieldError,
    VismaError,
)

_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_INTEGER = re.compile(r"[+-]?\d+")
_BOUNDS = {"int32": 2**31, "int64": 2**63}


@functools.cache
def declared(method: str, path: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Lower-case name → (name, schema) of the query parameters of an operation."""
    return {
        p["name"].lower(): (p["name"], p.get("schema") or {})
        for p in spec.operation(method, path).get("parameters", [])
        if p.get("in") == "query"
    }


def accepts(schema: dict[str, Any], text: str) -> bool:
    """Whether a query value `text` binds to a parameter of type `schema`."""
    kinds = spec.type_names(schema)
    if "boolean" in kinds:
        return text.lower() in ("true", "false")
    if "integer" in kinds:
        if not _INTEGER.fullmatch(text):
            return False
        bound = _BOUNDS.get(schema.get("format", ""), 2**63)
        return -bound <= int(text) < bound
    if schema.get("format") == "uuid":
        return _UUID.fullmatch(text) is not None
    if schema.get("format") == "date-time":
        return spec.parse_date_time(text) is not None
    return True


def check(method: str, path: str, items: Iterable[tuple[str, str]]) -> None:
    """Raise Visma's 400 for the first query value of a declared parameter that does not
    bind to its type."""
    params = declared(method, path)
    for key, value in items:
        found = params.get(key.lower())
        if found is None or accepts(found[1], value):
            continue
        name, schema = found
        wanted = schema.get("format") or next(iter(spec.type_names(schema) - {"null"}), "string")
        message = f"The value '{value}' is not valid for {name}: expected a {wanted}."
        code = INVALID_INPUT if wanted == "date-time" else QUERY_PARAMETER
        raise VismaError(code, message, errors=[FieldError(name, "InvalidFormat", message)])
