"""The knobs of the OfficeRnD simulator: identity, simulated today, limits and faults.

Frozen so a request sees one consistent set; runtime changes (`PUT /_sandbox/options`) swap
the whole object through `with_changes`, which validates like the constructor does.
"""

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

OVER_MAX_CHOICES = ("reject", "cap")


@dataclass(frozen=True)
class OfficeRnDOptions:
    """How the simulator behaves. Rates are shares of API requests, in [0, 1]."""

    org_slug: str = "sandbox"
    client_id: str = "sandbox"
    client_secret: str = "sandbox"
    # The simulated "today"; None: the newest createdAt/modifiedAt in the dataset.
    today: datetime | None = None
    latency_ms: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    read_limit_per_minute: int = 400
    write_limit_per_minute: int = 100
    token_limit_per_minute: int = 5
    # "reject": $limit above 50 answers 400 (observed); "cap": silently 50 (documented).
    limit_over_max: str = "reject"
    # Date filters to refuse as undocumented, "collection:field ..." (e.g. "credits:modifiedAt"):
    # what the real API does if a filter `collections.py` marks "inferred" is not there.
    refused_filters: str = ""
    fault_seed: int = 0

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.drop_rate, self.truncate_rate)
        if any(not 0.0 <= rate <= 1.0 for rate in rates) or sum(rates) > 1.0:
            raise ValueError(f"fault rates must lie in [0, 1] and sum to at most 1: {rates}")
        limits = (self.read_limit_per_minute, self.write_limit_per_minute)
        if self.latency_ms < 0 or self.token_limit_per_minute < 0 or min(limits) < 0:
            raise ValueError("latency and limits must not be negative")
        if self.limit_over_max not in OVER_MAX_CHOICES:
            raise ValueError(f"limit_over_max must be one of {OVER_MAX_CHOICES}")
        for term in self.refused_filters.split():
            if term.count(":") != 1 or not all(term.split(":")):
                raise ValueError(f"refused_filters: {term!r} is not collection:field")

    def refused(self, collection: str) -> frozenset[str]:
        """The date filters of `collection` this simulator refuses."""
        pairs = (term.split(":") for term in self.refused_filters.split())
        return frozenset(field for name, field in pairs if name == collection)


def _check_type(name: str, expected: Any, value: Any) -> None:
    if isinstance(value, bool) or expected not in (int, float, str):
        ok = False
    elif expected is float:
        ok = isinstance(value, int | float)
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ValueError(f"option {name} must be a {getattr(expected, '__name__', expected)}")


def with_changes(options: OfficeRnDOptions, changes: dict[str, Any]) -> OfficeRnDOptions:
    """`options` with `changes` (field name → JSON value) applied, checked field by field.

    `today` is refused: it only sets where the clock starts; move time with the clock instead.
    """
    types = {f.name: f.type for f in fields(OfficeRnDOptions)}
    for name, value in changes.items():
        if name not in types:
            raise ValueError(f"unknown option {name!r}")
        if name == "today":
            raise ValueError("today cannot change at runtime; advance the clock instead")
        _check_type(name, types[name], value)
    return replace(options, **changes)


def as_json(options: OfficeRnDOptions) -> dict[str, Any]:
    """The options as a JSON object (today as ISO text)."""
    data = {f.name: getattr(options, f.name) for f in fields(OfficeRnDOptions)}
    data["today"] = options.today.isoformat() if options.today else None
    return data
