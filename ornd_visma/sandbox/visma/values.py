"""Small conversions shared by the endpoints: ids, dates as the API writes them, amounts."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from ornd_visma.sandbox.visma.errors import validation
from ornd_visma.sandbox.visma.spec import parse_date_time


def new_id() -> str:
    return str(uuid.uuid4())


def amount(value: Any) -> Decimal:
    """A body or stored number as a Decimal (absent/null → 0)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):  # never produced by our parsers; guard anyway
        return Decimal(repr(value))
    return Decimal(value)


def day_of(value: Any, field: str = "") -> date | None:
    """The calendar date of a date/date-time field (None if absent)."""
    if value is None:
        return None
    moment = parse_date_time(str(value))
    if moment is None:
        raise validation(f"{field} is not a valid date.", field, "InvalidFormat")
    return moment.date()


def date_text(day: date | None) -> str | None:
    """How the API returns a date field: `2026-05-25T00:00:00`."""
    return None if day is None else f"{day.isoformat()}T00:00:00"


def lower_id(value: Any) -> str | None:
    return str(value).lower() if value else None
