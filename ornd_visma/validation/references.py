"""The ids records may point at, taken from the staged dimensions."""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class References:
    """Known ids per kind; an empty set means "not known yet": that check is skipped."""

    locations: frozenset[str] = frozenset()
    floors: frozenset[str] = frozenset()
    tax_rates: dict[str, Decimal] = field(default_factory=dict)  # id -> percent
    revenue_accounts: frozenset[str] = frozenset()
    plans: frozenset[str] = frozenset()
    resource_rates: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    companies: frozenset[str] = frozenset()
    members: frozenset[str] = frozenset()
    memberships: frozenset[str] = frozenset()

    @property
    def plans_and_rates(self) -> frozenset[str]:
        """A fee or line points at a plan or, for bookings, a resource rate."""
        return self.plans | self.resource_rates
