"""What a posting run did, for the asset's metadata and `ornd-visma run`'s summary: filled in
by planning (rows planned, held, would post, previews), recovery (rows recovered) and sending
(rows sent, confirmed, refused, left unresolved, requests, companies out of reach)."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class Summary:
    dry_run: bool
    planned: Counter = field(default_factory=Counter)  # new rows by state
    sent: int = 0
    confirmed: int = 0
    recovered: int = 0
    failed: list[tuple[str, str | None, str]] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[str, str | None, str]] = field(default_factory=list)
    would_post: list[tuple[str, str | None, Decimal | None]] = field(default_factory=list)
    previews: list[dict] = field(default_factory=list)
    requests: int = 0
    unreachable: dict[str, str] = field(default_factory=dict)  # entity -> why

    def as_metadata(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "planned": dict(self.planned),
            "sent": self.sent,
            "confirmed": self.confirmed,
            "recovered": self.recovered,
            "failed": len(self.failed),
            "unresolved": len(self.unresolved),
            "held": len(self.held),
            "would_post": len(self.would_post),
            "would_post_amount": str(sum((a or 0 for *_, a in self.would_post), Decimal(0))),
            "requests": self.requests,
            "unreachable_entities": dict(self.unreachable),
        }
