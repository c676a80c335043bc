"""Usage: one-off fees (add-ons, event tickets, day passes, deposits), day passes and check-ins,
credits and coins, and meeting-room and event-space bookings accounted by OfficeRnD Flex's
monthly booking rules (seed 002, see `ornd_visma.officernd.booking_rules`)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ornd_visma.officernd.booking_rules import add_months, days_in_month, first_of_month
from ornd_visma.sandbox.generator.catalog import Catalog
from ornd_visma.sandbox.generator.customers import Customer, FeeItem
from ornd_visma.sandbox.generator.world import World, iso

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from `start`'s to `end`'s, inclusive."""
    months, month = [], first_of_month(start)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def local(day: date, hour: float) -> datetime:
    """A Stockholm wall-clock time as a UTC datetime."""
    moment = datetime.combine(day, time(int(hour), int(hour % 1 * 60)), tzinfo=STOCKHOLM)
    return moment.astimezone(UTC)


def workdays(month: date) -> list[date]:
    days = (month + timedelta(days=n) for n in range(days_in_month(month.year, month.month)))
    return [day for day in days if day.weekday() < 5]


def add_fee(
    world: World,
    catalog: Catalog,
    customer: Customer,
    *,
    plan: dict,
    name: str,
    price: Decimal,
    quantity: Decimal | int,
    issue: date,
    created: datetime,
    account: str,
    member: dict | None = None,
    in_advance: bool = False,
    refundable: bool = False,
    plan_type: str = "Plan",
    source: str = "admin",
) -> FeeItem | None:
    """Create a fee and queue it for invoicing; None if it falls outside the window."""
    if issue < world.start or created.date() > world.today:
        return None
    personal = customer.kind == "individual"
    member = member or customer.billing_member
    record = world.new_record(
        "fees",
        created,
        name=name,
        price=price,
        quantity=quantity,
        company=None if personal else customer.id,
        member=member["_id"],
        location=customer.site.id,
        plan=plan["_id"],
        planType=plan_type,
        issueDate=iso(issue),
        status="approved",
        discount=None,
        discountAmount=0,
        calculatedDiscountAmount=0,
        discountedPrice=price,
        isRefundable=refundable,
        isPersonal=personal,
        shouldBillInAdvance=in_advance,
        shouldUseCoins=False,
        payment=None,
        source=source,
    )
    item = FeeItem(record, account, issue, in_advance)
    customer.fees.append(item)
    return item


def build_add_ons(world: World, catalog: Catalog, customers: list[Customer]) -> None:
    """Printing, parking tickets, event tickets, key cards, setup fees and deposits."""
    rng = world.rng
    plans = catalog.plans
    for customer in customers:
        for spell in customer.spells:
            if spell.spec.code == "OFFICE":
                created = datetime.fromisoformat(spell.record["createdAt"])
                add_fee(
                    world,
                    catalog,
                    customer,
                    plan=plans["SETUP"],
                    name="Office Setup Fee",
                    price=catalog.plan_specs["SETUP"].price,
                    quantity=1,
                    issue=spell.start,
                    created=created,
                    account="oneoff",
                    in_advance=True,
                )
                add_fee(
                    world,
                    catalog,
                    customer,
                    plan=plans["OFFICE"],
                    name=f"Deposit – {spell.record['name']}",
                    price=spell.price,
                    quantity=1,
                    issue=spell.start,
                    created=created,
                    account="deposits",
                    in_advance=True,
                    refundable=True,
                )
        if customer.spells and world.chance(0.6):
            first = min(customer.spells, key=lambda s: s.start)
            add_fee(
                world,
                catalog,
                customer,
                plan=plans["KEYCARD"],
                name="Key Card",
                price=catalog.plan_specs["KEYCARD"].price,
                quantity=min(5, len(customer.members)),
                issue=first.start,
                created=datetime.fromisoformat(first.record["createdAt"]),
                account="oneoff",
            )
        for month in months_between(world.start, world.today):
            if not customer.active_spells(month + timedelta(days=14)):
                continue
            for code, probability, account, most in (
                ("PRINT-100", 0.2, "printing", 3),
                ("PARKING-DAY", 0.08, "parking", 5),
                ("CREDITS-10", 0.03 if customer.kind == "company" else 0, "oneoff", 1),
            ):
                if world.chance(probability):
                    day = rng.choice(workdays(month))
                    add_fee(
                        world,
                        catalog,
                        customer,
                        plan=plans[code],
                        name=catalog.plan_specs[code].name,
                        price=catalog.plan_specs[code].price,
                        quantity=rng.randint(1, most),
                        issue=day,
                        created=world.moment(day),
                        account=account,
                        member=rng.choice(customer.members),
                    )
            event_day = max(d for d in workdays(month) if d.weekday() == 4)
            if world.chance(0.15):
                add_fee(
                    world,
                    catalog,
                    customer,
                    plan=plans["TICKET"],
                    name=f"Friday Jazz Night {event_day:%d %b}",
                    price=catalog.plan_specs["TICKET"].price,
                    quantity=rng.randint(1, 3),
                    issue=event_day,
                    created=world.moment(event_day - timedelta(days=rng.randint(1, 14))),
                    account="tickets",
                    member=rng.choice(customer.members),
                )


def build_day_passes(world: World, catalog: Catalog, customers: list[Customer]) -> None:
    """Drop-in customers buy day passes and use them by checking in."""
    rng = world.rng
    for customer in customers:
        if not customer.day_pass_only:
            continue
        arrival = date.fromisoformat(customer.record["startDate"][:10])
        leaves = arrival + timedelta(days=rng.randint(30, 360))
        for month in months_between(max(arrival, world.start), min(leaves, world.today)):
            if not world.chance(0.6):
                continue
            code = "DAYPASS-10" if world.chance(0.3) else "DAYPASS"
            count = 10 if code == "DAYPASS-10" else 1
            day = rng.choice(workdays(month))
            if day > world.today:
                continue
            created = world.moment(day, 7, 10)
            fee = add_fee(
                world,
                catalog,
                customer,
                plan=catalog.plans[code],
                name=catalog.plan_specs[code].name,
                price=catalog.plan_specs[code].price,
                quantity=1,
                issue=day,
                created=created,
                account="daypass",
                in_advance=True,
            )
            valid_to = day + timedelta(days=0 if count == 1 else 90)
            uses = sorted(
                {day} | {day + timedelta(days=rng.randint(0, 90)) for _ in range(rng.randint(0, 9))}
                if count > 1
                else {day}
            )
            uses = [use for use in uses if use <= min(valid_to, world.today)][:count]
            used_on = [use for use in uses if use.weekday() < 5]
            status = (
                "used"
                if len(used_on) == count
                else "expired"
                if valid_to < world.today
                else "valid"
            )
            pass_record = world.new_record(
                "passes",
                created,
                count=count,
                usedCount=len(used_on),
                intervalLength="once",
                startDate=iso(day),
                endDate=iso(valid_to),
                renewDate=None,
                validFrom=iso(day),
                validTo=iso(valid_to),
                company=None,
                member=customer.id,
                isPersonal=True,
                membership=None,
                fee=fee.record["_id"] if fee else None,
                shouldGrantActiveStatus=False,
                resourceType="hotdesk",
                status=status,
            )
            for use in used_on:
                _checkin(world, customer, customer.billing_member, use, pass_record["_id"])
                world.touch(pass_record, local(use, 17))


def build_checkins(world: World, customers: list[Customer]) -> None:
    """Hot-desk members check in a few days a month."""
    rng = world.rng
    for customer in customers:
        for spell in customer.spells:
            if spell.spec.code != "HOTDESK":
                continue
            last = min(spell.end or world.today, world.today)
            for month in months_between(max(spell.start, world.start), last):
                days = [d for d in workdays(month) if spell.start <= d <= last]
                for day in sorted(rng.sample(days, min(len(days), rng.randint(2, 6)))):
                    _checkin(world, customer, rng.choice(customer.members), day, None)


def _checkin(world: World, customer: Customer, member: dict, day: date, pass_id) -> None:
    rng = world.rng
    start = local(day, rng.choice((8, 8.5, 9, 9.5, 10)))
    end = local(day, rng.choice((14, 15, 16, 17, 17.5)))
    world.new_record(
        "checkins",
        start,
        start=iso(start),
        end=iso(end),
        location=customer.site.id,
        company=None if customer.kind == "individual" else customer.id,
        member=member["_id"],
        booking=None,
        resourceType="hotdesk",
        source=rng.choice(("kiosk", "app", "admin")),
        **{"pass": pass_id},
    )
