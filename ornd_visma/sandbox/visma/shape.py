"""What an answer looks like: a stored document completed and trimmed to its response schema
in Visma's OpenAPI document, the way the real (.NET) API serialises its objects.

The real API serialises a typed object, so every answer has exactly the properties of its
schema. The simulator stores looser documents (its own `_` keys, fields of other schemas,
absent properties), and `complete` turns one into the answer:

* every property of the schema is present, in the document's order; one the document lacks
  gets the .NET default of its type: null where the type allows null, `false`, `0` (an
  integer whose "Possible values" do not include 0: the first of them), `[]`,
  `""` for a non-nullable string, the nil uuid for a non-nullable uuid and
  `0001-01-01T00:00:00Z` for a non-nullable date-time (what `default(Guid)` and
  `default(DateTime)` serialise to);
* a property given as a `$ref` to an object schema is always an object (the .NET
  serializer writes the nested settings objects, never null): a missing or null one is the
  completed empty object, a present one is completed in turn; so are the elements of arrays
  of objects;
* a property the schema does not have is left out where the schema says
  `additionalProperties: false` (every response schema the simulator answers with does), as
  are the simulator's own keys starting with "_";
* date-time values are written as RFC 3339 section 5.6 date-times in UTC, which is what the
  document says of every date-time property ("The date-time notation as defined by RFC
  3339, section 5.6") and the form of its one example (`ServerTimeUtc`
  `2017-07-21T17:32:28Z`): a calendar date (`InvoiceDate`, `VoucherDate`, ...) is its
  midnight, `2026-05-25T00:00:00Z`; a stamp keeps its milliseconds, `...T09:00:16.123Z`.
  A client reads the date as the first ten characters, as the product does. To write the
  dates without an offset instead (as older .NET clients of the API may show), change
  `date_time_text` only.
"""

import functools
from datetime import UTC, datetime
from typing import Any

from ornd_visma.sandbox.visma import spec
from ornd_visma.sandbox.visma.spec import parse_date_time, resolve, schema, type_names

NIL_UUID = "00000000-0000-0000-0000-000000000000"
DEFAULT_DATE_TIME = "0001-01-01T00:00:00Z"


def date_time_text(value: str) -> str:
    """A stored date or date-time text as the API writes it (RFC 3339, UTC, `Z`); a text that
    is not a date is returned unchanged (the simulator never stores one)."""
    moment = parse_date_time(value)
    if moment is None:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def default_of(prop: dict[str, Any]) -> Any:
    """The value a property has when a document lacks it (see the module docstring); a
    `$ref` object is completed by `complete`, so its default here is None."""
    kinds = type_names(prop)
    if "$ref" in prop or "null" in kinds:
        return None
    if "boolean" in kinds:
        return False
    if kinds & {"number", "integer"}:
        listed = spec.prose_enum(prop)  # "Possible values: 1 = Core, 2 = B2B": the first
        return min(listed) if listed and 0 not in listed else 0
    if "array" in kinds:
        return ()
    if "string" in kinds:
        return {"uuid": NIL_UUID, "date-time": DEFAULT_DATE_TIME}.get(prop.get("format"), "")
    return None


@functools.cache
def defaults(name: str) -> dict[str, Any]:
    """Property → default for schema `name` (the view `$filter` and `$orderby` read)."""
    return {key: default_of(prop) for key, prop in schema(name).get("properties", {}).items()}


def complete(name: str, doc: Any) -> dict[str, Any]:
    """`doc` as the answer of schema `name` (see the module docstring)."""
    return _object(schema(name), doc if isinstance(doc, dict) else {})


def _object(node: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    props = node.get("properties", {})
    out: dict[str, Any] = {}
    for key, prop in props.items():
        out[key] = _value(prop, doc.get(key, default_of(prop)))
    if node.get("additionalProperties") is not False:
        out.update({k: v for k, v in doc.items() if k not in props and not k.startswith("_")})
    return out


def _value(prop: dict[str, Any], value: Any) -> Any:
    name, node = resolve(prop) if "$ref" in prop else (None, prop)
    if name and "object" in type_names(node):
        return _object(node, value if isinstance(value, dict) else {})
    if value == ():
        return []
    if value is None:  # null only where the type allows it
        kinds = type_names(node)
        return None if not kinds or "null" in kinds else default_of(node)
    if isinstance(value, list) and "items" in node:
        return [_value(node["items"], item) for item in value]
    if node.get("format") == "date-time" and isinstance(value, str):
        return date_time_text(value)
    if isinstance(value, datetime):
        return date_time_text(value.isoformat())
    return value
