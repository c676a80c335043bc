"""The data generator: a realistic Swedish coworking operator, deterministic for a seed.

`generate(scale, seed)` simulates the operator's OfficeRnD account day by day up to a fixed
simulated "today" and returns every collection as the API returns it, with invoices made by
OfficeRnD's billing rules (see `billing.py`) and bookings accounted by seed 002's rules.
"""

import random
from dataclasses import dataclass
from datetime import date

from ornd_visma.officernd.booking_rules import add_months, first_of_month
from ornd_visma.officernd.collections import BY_NAME
from ornd_visma.sandbox.generator.billing import BillingEngine
from ornd_visma.sandbox.generator.bookings import build_bookings, build_wallets
from ornd_visma.sandbox.generator.catalog import build_catalog
from ornd_visma.sandbox.generator.charges import build_charges
from ornd_visma.sandbox.generator.customers import build_customers
from ornd_visma.sandbox.generator.defects import plant_defects
from ornd_visma.sandbox.generator.usage import build_add_ons, build_checkins, build_day_passes
from ornd_visma.sandbox.generator.world import World

# Fixed, so a seed gives the same dataset on any day. Override with `today=`.
DEFAULT_TODAY = date(2026, 11, 20)


@dataclass(frozen=True)
class Scale:
    locations: int
    members: int
    months: int


SCALES = {
    "small": Scale(locations=1, members=60, months=3),
    "demo": Scale(locations=3, members=600, months=12),
    "large": Scale(locations=10, members=5000, months=24),
}


@dataclass
class Dataset:
    collections: dict[str, list[dict]]
    defects: list[dict]
    start: date
    today: date


def generate(
    scale: str | Scale, seed: int, defect_rate: float = 0.0, today: date = DEFAULT_TODAY
) -> Dataset:
    """Generate a dataset: `scale` months of history before `today`'s month, and that month."""
    size = SCALES[scale] if isinstance(scale, str) else scale
    start = add_months(first_of_month(today), -size.months)
    world = World(random.Random(seed), start, today)
    catalog = build_catalog(world, size.locations, size.members)
    customers = build_customers(world, catalog, size.members)
    build_add_ons(world, catalog, customers)
    build_day_passes(world, catalog, customers)
    build_checkins(world, customers)
    wallets = build_wallets(world, catalog, customers)
    build_bookings(world, catalog, customers, wallets)
    engine = BillingEngine(world, catalog, customers)
    engine.run()
    build_charges(world, engine.invoices)
    collections = {
        name: sorted(world.collections.get(name, []), key=lambda r: r["_id"]) for name in BY_NAME
    }
    defects = plant_defects(world, collections, defect_rate)
    return Dataset(collections, defects, start, today)
