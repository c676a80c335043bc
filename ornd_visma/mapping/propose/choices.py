"""What a proposal is made of: entries with the reason each was chosen, and what was not
matched, with why."""

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Choice:
    """One proposed entry: its key in the mapping, the value, and why it was chosen."""

    key: str
    value: BaseModel
    why: str


@dataclass(frozen=True)
class Unmatched:
    """What could not be matched, and why; it is left out of the mapping."""

    what: str
    reason: str


def percent_text(percent) -> str:
    """`25` for Decimal('25.00'), `12.5` for Decimal('12.50')."""
    return format(percent.normalize(), "f")
