"""JSON text with exact money: Decimals are written as numbers with at most two decimals."""

from decimal import Decimal
from typing import Any

import orjson

from ornd_visma.money import json_number


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any, *, indent: bool = False) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_INDENT_2 if indent else 0)
