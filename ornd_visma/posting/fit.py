"""Payloads fitted to what Visma documents, before they are stored in the outbox: every text
field cleaned (`ornd_visma.text.clean_text`: no line break, tab, control character or bidi
mark reaches Visma) and cut to the `maxLength` Visma's OpenAPI document gives the field; the
outbox tag at the end of a `VoucherText` is kept whole, the text before it is cut instead.

`fit(payload, schema)` walks the payload along the named schema (`$ref`s followed into
nested objects and arrays) and returns the fitted payload and what it changed, one line per
field (`Voucher.Rows[2].TransactionText: cut to 60 characters`), which the outbox row keeps.
Keys the document does not name (our own `CostCenterShortName1`, `ArticleNumber`,
`Validation`) are cleaned but not cut.
"""

from typing import Any

from ornd_visma.posting.keys import TAG_PREFIX
from ornd_visma.sandbox.visma import spec
from ornd_visma.text import clean_text

# The schema of each outbox row kind's payload.
SCHEMAS = {
    "customer": "CustomerApi",
    "ledger_item": "CustomerLedgerItemWithVoucherApi",
    "invoice": "CustomerInvoiceDraftApi",
    "voucher": "VoucherApi",
}


def schema_for(kind: str, payload: dict) -> str | None:
    """A reversal has the shape of what it reverses."""
    if kind != "reversal":
        return SCHEMAS.get(kind)
    if "Voucher" in payload:
        return SCHEMAS["ledger_item"]
    return SCHEMAS["invoice"] if "OurReference" in payload else SCHEMAS["voucher"]


def fit(payload: Any, schema_name: str | None) -> tuple[Any, list[str]]:
    changes: list[str] = []
    node = spec.schema(schema_name) if schema_name else {}
    return _fit(payload, node, "", changes), changes


def _properties(node: dict) -> dict:
    _, node = spec.resolve(node)
    props = dict(node.get("properties") or {})
    for part in node.get("allOf") or []:
        props.update(_properties(part))
    return props


def _items(node: dict) -> dict:
    _, node = spec.resolve(node)
    return node.get("items") or {}


def _fit(value: Any, node: dict, path: str, changes: list[str]) -> Any:
    if isinstance(value, dict):
        props = _properties(node)
        return {
            key: _fit(item, props.get(key, {}), f"{path}.{key}" if path else key, changes)
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = _items(node)
        return [_fit(item, items, f"{path}[{i}]", changes) for i, item in enumerate(value)]
    if isinstance(value, str):
        _, resolved = spec.resolve(node)
        return _text(value, resolved.get("maxLength"), path, changes)
    return value


def _text(value: str, limit: int | None, path: str, changes: list[str]) -> str:
    cleaned = clean_text(value)
    if cleaned != value:
        changes.append(f"{path}: control characters, line breaks or extra spaces removed")
    if limit is None or len(cleaned) <= limit:
        return cleaned
    head, tag = cleaned, ""
    if path.endswith("VoucherText") and TAG_PREFIX in cleaned:
        head, tag = cleaned.split(TAG_PREFIX, 1)
        tag = TAG_PREFIX + tag
    cut = (head[: max(limit - len(tag) - 1, 0)].rstrip() + " " + tag) if tag else head[:limit]
    changes.append(f"{path}: cut to {limit} characters")
    return cut.rstrip()
