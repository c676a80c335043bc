"""Reading one typed value from a record: the value, or the reason it cannot be read."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


class Unreadable(ValueError):
    """A value present in the record but not of the column's kind."""


def field(record: dict, source: str):
    """`source` may be dotted (`billingDetails.vatNumber`); a missing step gives None."""
    value = record
    for step in source.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def read(kind: str, value):
    """The value as `kind`; None stays None; raises Unreadable for a wrong value."""
    if value is None:
        return None
    try:
        return _READERS[kind](value)
    except (ValueError, TypeError, InvalidOperation) as error:
        raise Unreadable(str(error) or f"not a {kind}") from None


def _id(value) -> str:
    if not isinstance(value, str) or not OBJECT_ID.match(value):
        raise ValueError("not a 24-hex ObjectId")
    return value


def _str(value) -> str:
    if isinstance(value, dict | list):
        raise ValueError("not text")
    return str(value)


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not true or false")
    return value


# What the staged columns hold (columns.DUCKDB_TYPES): a value beyond it would fail the
# whole table's insert, so it is the record's problem here.
BIGINT_MAX = 2**63 - 1
NUMBER_LIMIT = Decimal(10) ** 14  # DECIMAL(18, 4)
MONEY_LIMIT = Decimal(10) ** 16  # DECIMAL(18, 2)


def _int(value) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise ValueError("not a whole number")
    if abs(int(value)) > BIGINT_MAX:
        raise ValueError("out of range")
    return int(value)


def _finite(value) -> Decimal:
    if isinstance(value, bool | str):
        raise ValueError("not a number")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _number(value) -> Decimal:
    number = _finite(value)
    if abs(number) >= NUMBER_LIMIT:
        raise ValueError("out of range")
    return number


def _money(value) -> Decimal:
    number = _finite(value)
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("more than two decimals")
    if abs(number) >= MONEY_LIMIT:
        raise ValueError("out of range")
    return number


def _date(value) -> date:
    return date.fromisoformat(str(value)[:10])


def _timestamp(value) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


_READERS = {
    "id": _id,
    "str": _str,
    "bool": _bool,
    "int": _int,
    "number": _number,
    "money": _money,
    "date": _date,
    "timestamp": _timestamp,
}
