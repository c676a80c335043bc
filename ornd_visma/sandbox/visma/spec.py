"""Visma's own OpenAPI document, loaded once, and request-body validation against it.

Everything structural comes from the document: which schema a request body has, required
fields, types (nullable as `["string", "null"]`), `maxLength`/`minLength`, `minimum`/`maximum`,
`enum`, formats (uuid, date-time, int32, int64), `pattern`, `readOnly`, and the scopes an
operation requires (from its description). Validation is JSON Schema 2020-12 by the
`jsonschema` library, with these adaptations to how the .NET API behaves (decisions, since
the document cannot say):

* `pattern` is matched against the whole value, and on numbers too (the API puts
  `[-]?\\d+(\\.\\d{1,2})?` on doubles: a number is checked in its shortest decimal text, so
  `12.345` breaks a two-decimal pattern and `12.50` does not).
* A number whose description states a precision ("Precision: 2 decimals", "Format: 4
  decimals", ...) and that has no pattern may not have more decimals than the largest
  number stated.
* Integer properties whose description lists "Possible values: 0 = None, 1 = ..." only
  accept those values (the document's prose enums).
* `date-time` accepts a date (`2026-05-25`) as well as a date and time, with or without an
  offset, as the API does ("Format: yyyy-mm-dd" on date-time fields).
* A property given only as a `$ref` to an object schema accepts null, unless it is required
  (answers never carry null there: `shape`).
* Unknown properties are ignored (the document says `additionalProperties: false`, but the
  .NET deserializer skips unknown members, so a client sending an extra field still works).
* Read-only properties are validated for type and then ignored: the server computes them.
  Exception: `VoucherRowApi.CostCenterItemId1` is marked read-only in the 2026 document but
  is written by every real client and by the older spec; it is treated as writable.

Numbers in bodies are parsed as `Decimal` (never float), so precision checks are exact.
What answers look like is `shape`'s; query parameters are checked by `params`.
"""

import functools
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ornd_visma.sandbox.visma.errors import VALIDATION, FieldError, VismaError

SPEC_PATH = Path(__file__).parent / "openapi" / "visma-eaccounting-v2.openapi.yaml"
BASE_URI = "urn:visma-eaccounting-v2"
SCHEMA_PREFIX = "#/components/schemas/"
WRITABLE_DESPITE_SPEC = {("VoucherRowApi", "CostCenterItemId1")}
HTTP_METHODS = ("get", "post", "put", "delete", "patch")

_POSSIBLE = re.compile(r"Possible values:</strong>(.*?)(?:<br/><br/>|$)", re.S)
_VALUE_NAME = re.compile(r"(?:^|<br/>)\s*(-?\d+)\s*=\s*\w")
_NAME_VALUE = re.compile(r"(?:^|<br/>)\s*\w+\s*=\s*(-?\d+)\b")
_DECIMALS = re.compile(r"(\d+)\s+decimal", re.I)
_PATTERN_DECIMALS = re.compile(r"\\d\{1,(\d+)\}")
_SCOPE = re.compile(r"^\*\s*(\S+)\s*$", re.M)


def _decimalize(node: Any) -> Any:
    """Floats in the document (bounds like 99999999.99) as exact Decimals."""
    if isinstance(node, float):
        return Decimal(repr(node))
    if isinstance(node, dict):
        return {k: _decimalize(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimalize(v) for v in node]
    return node


@functools.cache
def document() -> dict[str, Any]:
    """The parsed OpenAPI document (cached; ~0.3 s the first time)."""
    with SPEC_PATH.open("rb") as handle:
        return _decimalize(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def schemas() -> dict[str, Any]:
    return document()["components"]["schemas"]


def schema(name: str) -> dict[str, Any]:
    return schemas()[name]


def ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return (
        ref[len(SCHEMA_PREFIX) :]
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX)
        else None
    )


def resolve(node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    name = ref_name(node)
    return (name, schema(name)) if name else (None, node)


def operation(method: str, path: str) -> dict[str, Any]:
    """The spec's operation object for `method` on `path` (relative to /v2)."""
    return document()["paths"][path][method.lower()]


def request_schema_name(method: str, path: str) -> str | None:
    body = operation(method, path).get("requestBody")
    if not body:
        return None
    content = body.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), {})
    return ref_name(media.get("schema", {}))


def response_schema_name(method: str, path: str) -> str | None:
    responses = operation(method, path).get("responses", {})
    for status in ("200", "201"):
        content = responses.get(status, {}).get("content", {})
        if "application/json" in content:
            return ref_name(content["application/json"].get("schema", {}))
    return None


def list_item_schema_name(method: str, path: str) -> str | None:
    """For a list operation (`PaginatedResponseOfX`), the name X of its items' schema."""
    page = response_schema_name(method, path)
    if not page:
        return None
    items = schema(page).get("properties", {}).get("Data", {}).get("items", {})
    return ref_name(items)


def required_scopes(method: str, path: str) -> tuple[str, ...]:
    """The scopes listed under "Requires any of the following scopes" (any one suffices)."""
    description = operation(method, path).get("description", "")
    _, _, tail = description.partition("Requires any of the following scopes")
    return tuple(_SCOPE.findall(tail))


def type_names(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    if kind is None:
        return set()
    return {kind} if isinstance(kind, str) else set(kind)


def prose_enum(prop: dict[str, Any]) -> set[int] | None:
    """Integer values listed in a description's "Possible values:" block."""
    if "integer" not in type_names(prop):
        return None
    match = _POSSIBLE.search(prop.get("description") or "")
    if not match:
        return None
    block = match.group(1)
    values = _VALUE_NAME.findall(block) or _NAME_VALUE.findall(block)
    return {int(v) for v in values} or None


def max_decimals(prop: dict[str, Any]) -> int | None:
    """Decimals allowed on a number, from its pattern or the precision in its description."""
    if not type_names(prop) & {"number"}:
        return None
    pattern = prop.get("pattern")
    if pattern:
        found = _PATTERN_DECIMALS.findall(pattern)
        return max(int(n) for n in found) if found else None
    found = _DECIMALS.findall(prop.get("description") or "")
    return max(int(n) for n in found) if found else None


def decimal_text(value: Decimal | int) -> str:
    """The shortest plain decimal text of a number (what a pattern is matched against)."""
    if isinstance(value, int):
        return str(value)
    text = format(value.normalize(), "f")
    return text


def decimals_of(value: Decimal | int) -> int:
    if isinstance(value, int):
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# --- the validator -----------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _pattern(validator: Any, pattern: str, instance: Any, schema_: dict) -> Iterator:
    if isinstance(instance, str):
        text = instance
    elif _is_number(instance):
        text = decimal_text(instance)
    else:
        return
    if not re.fullmatch(pattern, text):
        found = _PATTERN_DECIMALS.findall(pattern)
        message = (
            f"{text} has more than {max(int(n) for n in found)} decimals"
            if found and _is_number(instance)
            else f"{text!r} does not match {pattern!r}"
        )
        yield ValidationError(message, validator="pattern")


def _description(validator: Any, description: str, instance: Any, schema_: dict) -> Iterator:
    """Prose rules: precision of numbers and integer "Possible values"."""
    if not _is_number(instance):
        return
    if "pattern" not in schema_:
        allowed = max_decimals(schema_)
        if allowed is not None and decimals_of(instance) > allowed:
            yield ValidationError(
                f"{decimal_text(instance)} has more than {allowed} decimals", validator="pattern"
            )
    values = prose_enum(schema_)
    if values is not None and isinstance(instance, int) and instance not in values:
        yield ValidationError(f"{instance} is not one of {sorted(values)}", validator="enum")


def _ignore(validator: Any, value: Any, instance: Any, schema_: dict) -> Iterator:
    return iter(())


_plain_ref = Draft202012Validator.VALIDATORS["$ref"]


def _ref(validator: Any, ref: str, instance: Any, schema_: dict) -> Iterator:
    """A property that is just a `$ref` to an object schema is a .NET reference type: the
    deserializer takes null for it (answers always carry the object, `shape`)."""
    if instance is None and "type" not in schema_:
        return iter(())
    return _plain_ref(validator, ref, instance, schema_)


_format_checker = FormatChecker(formats=())


@_format_checker.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value) is not None


@_format_checker.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return parse_date_time(value) is not None


@_format_checker.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@_format_checker.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def parse_date_time(value: str) -> datetime | None:
    """A date or date-time text as the API reads it; None if it is neither."""
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


_plain_required = Draft202012Validator.VALIDATORS["required"]


def _required(validator: Any, required: list[str], instance: Any, schema_: dict) -> Iterator:
    """As JSON Schema, and a required object-typed (`$ref`) property may not be null."""
    yield from _plain_required(validator, required, instance, schema_)
    if not isinstance(instance, dict):
        return
    props = schema_.get("properties", {})
    for name in required:
        prop = props.get(name, {})
        if name in instance and instance[name] is None and "$ref" in prop and "type" not in prop:
            yield ValidationError(f"{name!r} is a required property", validator="required")


_plain_items = Draft202012Validator.VALIDATORS["items"]


def _items(validator: Any, items: Any, instance: Any, schema_: dict) -> Iterator:
    """As JSON Schema, and no null elements in an array of objects."""
    yield from _plain_items(validator, items, instance, schema_)
    if isinstance(instance, list) and isinstance(items, dict) and "$ref" in items:
        for index, element in enumerate(instance):
            if element is None:
                error = ValidationError(
                    "None is not of type 'object'", validator="type", path=[index]
                )
                yield error


_VismaValidator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "description": _description,
        "additionalProperties": _ignore,
        "unevaluatedProperties": _ignore,
        "$ref": _ref,
        "required": _required,
        "items": _items,
    },
)


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource(BASE_URI, resource)


@functools.cache
def _validator(name: str) -> Any:
    return _VismaValidator(
        {"$ref": f"{BASE_URI}{SCHEMA_PREFIX}{name}"},
        registry=_registry(),
        format_checker=_format_checker,
    )


def field_path(parts: Any) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_REQUIRED = re.compile(r"^'(.+)' is a required property")


def _field_error(error: ValidationError) -> FieldError:
    where = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        match = _REQUIRED.match(error.message)
        name = match.group(1) if match else "?"
        path = field_path([*where, name])
        return FieldError(path, "Required", f"The {name} field is required.")
    path = field_path(where)
    label = path or "body"
    if kind == "type":
        if error.instance is None or error.message.startswith("None is not of type"):
            return FieldError(path, "Required", f"The {label} field is required.")
        wanted = error.validator_value
        return FieldError(path, "InvalidType", f"The value of {label} must be of type {wanted}.")
    if kind == "maxLength":
        return FieldError(
            path, "MaxLength", f"{label} must be at most {error.validator_value} characters long."
        )
    if kind == "minLength":
        return FieldError(
            path, "MinLength", f"{label} must be at least {error.validator_value} characters long."
        )
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return FieldError(path, "Range", f"{label} is out of range ({error.message}).")
    if kind == "enum":
        return FieldError(path, "InvalidValue", f"{label} has an invalid value ({error.message}).")
    if kind == "format":
        return FieldError(
            path, "InvalidFormat", f"The value of {label} is not a valid {error.validator_value}."
        )
    if kind == "pattern":
        code = "Precision" if "decimals" in error.message else "InvalidFormat"
        return FieldError(path, code, f"{label}: {error.message}.")
    return FieldError(path, "Invalid", f"{label}: {error.message}")


def parse_json(raw: bytes) -> Any:
    """A request body as JSON with exact Decimal numbers; 2000 if it is not JSON."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VismaError(
            VALIDATION,
            f"The request body is not valid JSON: {exc}",
            errors=[FieldError("", "InvalidJson", "Invalid JSON body.")],
        ) from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def validate(name: str, body: Any) -> dict[str, Any]:
    """Check `body` against schema `name`; return it with read-only and unknown fields
    removed. Raises VismaError 2000 listing every problem found."""
    if not isinstance(body, dict):
        raise VismaError(
            VALIDATION,
            "The request body must be a JSON object.",
            errors=[FieldError("", "InvalidType", "A JSON object is expected.")],
        )
    errors = sorted(
        _validator(name).iter_errors(body), key=lambda e: (field_path(e.absolute_path), e.validator)
    )
    if errors:
        details = [_field_error(e) for e in errors]
        summary = "; ".join(f"{d.field or 'body'}: {d.message}" for d in details[:5])
        raise VismaError(VALIDATION, f"Validation failed: {summary}", errors=details)
    return writable(schema(name), body, name)


def writable(node: dict[str, Any], value: Any, name: str | None = None) -> Any:
    """`value` without read-only and unknown properties (recursively)."""
    ref, node = resolve(node) if "$ref" in node else (name, node)
    if isinstance(value, dict) and "properties" in node:
        props = node["properties"]
        kept = {}
        for key, item in value.items():
            prop = props.get(key)
            if prop is None:
                continue
            if prop.get("readOnly") and (ref, key) not in WRITABLE_DESPITE_SPEC:
                continue
            kept[key] = writable(prop, item)
        return kept
    if isinstance(value, list) and "items" in node:
        return [writable(node["items"], item) for item in value]
    return value


def property_types(name: str) -> dict[str, tuple[set[str], str | None]]:
    """Property name → (JSON types, format) for schema `name` (used by $filter)."""
    result = {}
    for key, prop in schema(name).get("properties", {}).items():
        kinds = type_names(prop) - {"null"}
        if "$ref" in prop:
            kinds = {"object"}
        result[key] = (kinds, prop.get("format"))
    return result
