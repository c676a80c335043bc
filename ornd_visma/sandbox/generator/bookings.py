"""Credits, coins and bookings, accounted as OfficeRnD Flex does on the 1st of each month.

Each occurrence of a booking is accounted on the day `booking_rules.accounting_date` gives and
settled with `booking_rules.settle`: the holder's monthly credits valid for the resource type
(then one-time credit packs), then coins, then a one-off booking fee (a Fee with
`planType: "ResourceRate"`) invoiced in arrears like any other fee. Occurrences whose accounting
day is after today stay unaccounted (pending) on the booking.
"""

import heapq
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from ornd_visma.money import ZERO
from ornd_visma.officernd import booking_rules
from ornd_visma.officernd.booking_rules import add_months, first_of_month
from ornd_visma.sandbox.generator.catalog import Catalog
from ornd_visma.sandbox.generator.customers import Customer
from ornd_visma.sandbox.generator.usage import add_fee, local, months_between, workdays
from ornd_visma.sandbox.generator.world import World, at, iso

DURATIONS = (Decimal(1), Decimal(1), Decimal("1.5"), Decimal(2), Decimal(2), Decimal(3))


@dataclass
class Allowance:
    """Credits or coins a holder can spend: in one month (monthly) or from a day on (once)."""

    record: dict
    remaining: Decimal
    valid_from: date
    resource_types: frozenset[str] | None  # None: valid for every resource type


@dataclass
class Wallet:
    credits: dict[date, list[Allowance]] = field(default_factory=dict)  # by month
    coins: dict[date, list[Allowance]] = field(default_factory=dict)
    once: list[Allowance] = field(default_factory=list)
    # Memberships granting monthly credits or coins, also those begun before the window.
    entitled: list[tuple[date, date | None]] = field(default_factory=list)

    def holds_any(self, day: date) -> bool:
        """Whether the holder has credits or coins at all on `day` (seed 002's special case)."""
        return any(
            start <= day and (end is None or day <= end) for start, end in self.entitled
        ) or any(a.valid_from <= day and a.remaining > 0 for a in self.once)

    def credits_for(self, month: date, day: date, resource_type: str) -> list[Allowance]:
        monthly = [a for a in self.credits.get(month, []) if _valid(a, resource_type)]
        once = [a for a in self.once if a.valid_from <= day and _valid(a, resource_type)]
        return [a for a in monthly + once if a.remaining > 0]


def _valid(allowance: Allowance, resource_type: str) -> bool:
    return allowance.resource_types is None or resource_type in allowance.resource_types


def build_wallets(world: World, catalog: Catalog, customers: list[Customer]) -> dict[str, Wallet]:
    """Monthly credits and coins from memberships, and one-time credit packs from fees."""
    wallets: dict[str, Wallet] = {}
    horizon = add_months(first_of_month(world.today), 1)
    for customer in customers:
        wallet = wallets.setdefault(customer.id, Wallet())
        owner = _owner(customer)
        for spell in customer.spells:
            spec = spell.spec
            coins = spec.coins_per_desk * spell.desks
            if not spec.credits_per_month and not coins:
                continue
            # Credits are allocated from signing (the first month's record is made then).
            signed = date.fromisoformat(spell.record["createdAt"][:10])
            wallet.entitled.append((min(signed, spell.start), spell.end))
            last = min(spell.end or horizon, add_months(horizon, 1) - timedelta(days=1))
            for month in months_between(max(spell.start, world.start), last):
                created = max(
                    datetime.fromisoformat(spell.record["createdAt"]), at(add_months(month, -1), 2)
                )
                if created.date() > world.today:
                    continue
                month_end = add_months(month, 1) - timedelta(days=1)
                period = dict(
                    **owner,
                    membership=spell.record["_id"],
                    intervalLength="month",
                    startDate=iso(month),
                    endDate=iso(month_end),
                    validFrom=iso(max(month, spell.start)),
                    validTo=iso(min(month_end, spell.end or month_end)),
                    bookings=[],
                    usedCount=0,
                )
                if spec.credits_per_month:
                    record = world.new_record(
                        "credits",
                        created,
                        **period,
                        fee=None,
                        validFor="resourceTypes",
                        resourceTypes=["meeting_room"],
                        resourceRates=[],
                        parent=None,
                        count=spec.credits_per_month,
                    )
                    wallet.credits.setdefault(month, []).append(
                        Allowance(
                            record,
                            Decimal(spec.credits_per_month),
                            month,
                            frozenset({"meeting_room"}),
                        )
                    )
                if coins:
                    record = world.new_record(
                        "coins", created, **period, validFor="all", count=coins
                    )
                    wallet.coins.setdefault(month, []).append(Allowance(record, coins, month, None))
        for fee in customer.fees:
            if fee.record["plan"] == catalog.plans["CREDITS-10"]["_id"]:
                count = 10 * fee.record["quantity"]
                record = world.new_record(
                    "credits",
                    datetime.fromisoformat(fee.record["createdAt"]),
                    **owner,
                    membership=None,
                    fee=fee.record["_id"],
                    intervalLength="once",
                    startDate=iso(fee.issue),
                    endDate=None,
                    validFrom=iso(fee.issue),
                    validTo=None,
                    validFor="all",
                    resourceTypes=[],
                    resourceRates=[],
                    parent=None,
                    bookings=[],
                    count=count,
                    usedCount=0,
                )
                wallet.once.append(Allowance(record, Decimal(count), fee.issue, None))
    return wallets


def _owner(customer: Customer) -> dict:
    if customer.kind == "individual":
        return {"company": None, "member": customer.id}
    return {"company": customer.id, "member": None}


@dataclass
class Occurrence:
    booking: dict
    customer: Customer
    start: datetime
    hours: Decimal
    resource: dict
    resource_type: str
    created: datetime
    recurring: bool


def build_bookings(
    world: World, catalog: Catalog, customers: list[Customer], wallets: dict[str, Wallet]
) -> None:
    """Create bookings up to two months ahead and account every due occurrence."""
    taken: set[tuple[str, date, int]] = set()
    occurrences: list[Occurrence] = []
    horizon = add_months(first_of_month(world.today), 2)
    for customer in customers:
        if customer.day_pass_only:
            continue
        for month in months_between(world.start, horizon):
            if not customer.active_spells(month + timedelta(days=14)):
                continue
            for _ in range(_bookings_this_month(world, customer)):
                occurrences += _book(world, catalog, customer, month, taken, "meeting_room")
            if customer.kind == "company" and world.chance(0.02):
                occurrences += _book(world, catalog, customer, month, taken, "event_space")
    _account(world, catalog, occurrences, wallets)


def _bookings_this_month(world: World, customer: Customer) -> int:
    weights = (55, 35, 10) if customer.kind == "company" else (70, 25, 5)
    return sum(world.rng.choices((0, 1, 2), weights=weights)[0] for _ in customer.members)


def _book(world, catalog, customer, month, taken, kind) -> list[Occurrence]:
    rng = world.rng
    site = customer.site
    rooms = site.meeting_rooms if kind == "meeting_room" else site.event_spaces
    for _attempt in range(5):
        room = rng.choice(rooms)
        day = rng.choice(workdays(month))
        hours = (
            DURATIONS[rng.randrange(len(DURATIONS))]
            if kind == "meeting_room"
            else Decimal(rng.choice((3, 4, 6)))
        )
        hour = Decimal(rng.randint(8, 17 - int(hours)))
        slots = {(room["_id"], day, int(hour * 2) + n) for n in range(int(hours * 2))}
        if not slots & taken:
            break
    else:
        return []
    start = local(day, float(hour))
    lead = rng.choices(
        (rng.randint(0, 3), rng.randint(4, 20), rng.randint(21, 55), rng.randint(62, 100)),
        weights=(40, 40, 12, 8),
    )[0]
    joined = datetime.fromisoformat(customer.record["createdAt"])
    created = max(start - timedelta(days=lead, hours=rng.randint(1, 30)), joined)
    if start.date() < world.start or created.date() > world.today or created >= start:
        return []
    taken |= slots
    recurring = kind == "meeting_room" and world.chance(0.05)
    count = rng.randint(4, 8) if recurring else 1
    starts = [start + timedelta(weeks=n) for n in range(count)]
    member = rng.choice(customer.members)
    cancelled = world.chance(0.06)
    booking = world.new_record(
        "bookings",
        created,
        timezone="Europe/Stockholm",
        start=iso(start),
        end=iso(start + timedelta(hours=float(hours))),
        recurrence={"rrule": f"FREQ=WEEKLY;COUNT={count}", "exdates": []} if recurring else None,
        seriesStart=iso(starts[0]),
        seriesEnd=iso(starts[-1] + timedelta(hours=float(hours))),
        location=site.id,
        company=None if customer.kind == "individual" else customer.id,
        member=member["_id"],
        resource=room["_id"],
        fees=[],
        reference="".join(rng.choices(string.ascii_uppercase + string.digits, k=7)),
        isCancelled=cancelled,
        title=rng.choice(
            ("Kundmöte", "Teammöte", "Workshop", "Intervju", "Styrelsemöte", "Planering")
        ),
        rate=room["rate"],
        description="",
        isTentative=not cancelled and world.chance(0.02),
        isFree=world.chance(0.02),
        isAccounted=False,
        extras=[],
        visitors=[],
        members=[member["_id"]],
        serviceSlots={"before": 0, "after": 0},
        source=rng.choice(("admin", "member_portal", "app")),
    )
    if cancelled:
        world.touch(booking, created + timedelta(days=rng.randint(0, lead + 1)))
    if cancelled or booking["isTentative"]:
        return []
    return [
        Occurrence(booking, customer, moment, hours, room, kind, created, recurring)
        for moment in starts
    ]


def _account(world, catalog, occurrences: list[Occurrence], wallets) -> None:
    """Account occurrences in the order OfficeRnD would, spending credits and coins as it goes.

    A credit holder's occurrence that would need a fee before the 1st of its month is put
    back to the 1st (the module docstring of `booking_rules` explains why).
    """
    queue: list[tuple[date, datetime, int, Occurrence]] = []
    for index, occ in enumerate(occurrences):
        wallet = wallets[occ.customer.id]
        month = first_of_month(occ.start.date())
        allowance = sum(
            (
                a.record["count"]
                for a in wallet.credits.get(month, [])
                if _valid(a, occ.resource_type)
            ),
            0,
        )
        day = booking_rules.accounting_date(
            occ.created.date(),
            occ.start.date(),
            wallet.holds_any(occ.created.date()),
            is_recurring=occ.recurring,
            covered_by_credits=allowance >= occ.hours,
        )
        heapq.heappush(queue, (day, occ.created, index, occ))
    pending: set[str] = set()
    while queue:
        day, created, index, occ = heapq.heappop(queue)
        if day > world.today:
            pending.add(occ.booking["_id"])
            continue
        wallet = wallets[occ.customer.id]
        month_start = first_of_month(occ.start.date())
        quote = _quote(catalog, occ, day, wallet)
        if quote[0].fee_amount > 0 and day < month_start and wallet.holds_any(day):
            heapq.heappush(queue, (month_start, created, index, occ))
            continue
        _settle(world, catalog, occ, day, *quote)
    for occ in occurrences:
        occ.booking["isAccounted"] = occ.booking["_id"] not in pending


def _quote(catalog, occ: Occurrence, day: date, wallet: Wallet):
    """What settling now would do, and the allowances it would draw on."""
    month = first_of_month(occ.start.date())
    credits = wallet.credits_for(month, day, occ.resource_type)
    coins = [a for a in wallet.coins.get(month, []) if a.remaining > 0]
    settlement = booking_rules.settle(
        occ.hours,
        catalog.rate_price[occ.resource["rate"]],
        sum((a.remaining for a in credits), ZERO),
        sum((a.remaining for a in coins), ZERO),
        is_free=occ.booking["isFree"],
    )
    return settlement, credits, coins


def _settle(world, catalog, occ: Occurrence, day: date, settlement, credits, coins) -> None:
    booking = occ.booking
    occ_day = occ.start.date()
    rate_price = catalog.rate_price[occ.resource["rate"]]
    moment = occ.created if day == occ.created.date() else at(day, 2)
    entry = {
        "date": iso(occ_day),
        "fee": None,
        "extraFees": [],
        "passes": [],
        "credits": [],
        "coins": [],
        "customPrice": None,
    }
    _spend(settlement.credits_used, credits, entry["credits"], "credit", booking, occ_day)
    _spend(settlement.coins_used, coins, entry["coins"], "_id", booking, occ_day)
    if settlement.fee_amount > 0:
        remaining_hours = occ.hours - settlement.credits_used
        whole_rate = settlement.coins_used == 0
        rate = next(r for r in catalog.resource_rates.values() if r["_id"] == occ.resource["rate"])
        fee = add_fee(
            world,
            catalog,
            occ.customer,
            plan=rate,
            plan_type="ResourceRate",
            name=f"{occ.resource['name']} {occ.start:%Y-%m-%d}",
            price=rate_price if whole_rate else settlement.fee_amount,
            quantity=remaining_hours if whole_rate else 1,
            issue=occ_day,
            created=moment,
            account="eventspace" if occ.resource_type == "event_space" else "booking",
            member=next(m for m in occ.customer.members if m["_id"] == booking["member"]),
            source="booking",
        )
        entry["fee"] = fee.record["_id"] if fee else None
        if fee and occ.customer.kind == "company" and world.chance(0.1):
            add_fee(
                world,
                catalog,
                occ.customer,
                plan=catalog.plans["CATERING"],
                name=f"Fika {occ.resource['name']} {occ.start:%Y-%m-%d}",
                price=catalog.plan_specs["CATERING"].price,
                quantity=world.rng.randint(3, 10),
                issue=occ_day,
                created=moment,
                account="catering",
            )
    booking["fees"].append(entry)
    world.touch(booking, moment)


def _spend(amount, allowances: list[Allowance], out: list, key: str, booking, day) -> None:
    """Take `amount` from the allowances in order, recording each use on both sides."""
    left = Decimal(amount)
    for allowance in allowances:
        if left <= 0:
            break
        used = min(left, allowance.remaining)
        if used <= 0:
            continue
        allowance.remaining -= used
        left -= used
        record = allowance.record
        record["usedCount"] = record["usedCount"] + used
        record["bookings"].append(
            {"count": used, "booking": booking["_id"], "occurrenceDate": iso(day)}
        )
        out.append({"count": used, key: record["_id"]})
