"""Companies and members, and their membership histories: sign-ups, upgrades, downgrades,
cancellations, returns after churn and discounts; with contracts and resource assignments."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ornd_visma.money import to_money
from ornd_visma.officernd.booking_rules import add_months, days_in_month, first_of_month
from ornd_visma.sandbox.generator import names
from ornd_visma.sandbox.generator.catalog import Catalog, PlanSpec, Site
from ornd_visma.sandbox.generator.world import World, iso

MONTHLY_CHURN = 0.025
MONTHLY_UPGRADE = 0.015
MONTHLY_DOWNGRADE = 0.008
MONTHLY_PARKING = 0.008
RETURN_AFTER_CHURN = 0.3


@dataclass
class FeeItem:
    """A one-off fee and the revenue account its invoice line goes to."""

    record: dict
    account: str  # revenue account key in the catalog
    issue: date
    in_advance: bool = False


@dataclass
class Spell:
    """One membership as the billing engine sees it."""

    record: dict
    spec: PlanSpec
    site: Site
    start: date
    price: Decimal  # monthly list price
    discount: Decimal  # monthly discount
    end: date | None = None
    notice: date | None = None  # when OfficeRnD learned the end date
    resource: dict | None = None
    desks: int = 0
    billed_until: date | None = None  # last day invoiced
    assignment: dict | None = None
    contract: dict | None = None


@dataclass
class Customer:
    """A billing entity: a company (with members) or an individual member."""

    kind: str  # "company" | "individual"
    record: dict
    members: list[dict]
    site: Site
    country: str = "SE"
    has_vat_number: bool = True
    day_pass_only: bool = False
    spells: list[Spell] = field(default_factory=list)
    fees: list["FeeItem"] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.record["_id"]

    @property
    def billing_member(self) -> dict:
        return self.members[0]

    @property
    def reverse_charge(self) -> bool:
        """EU business customers with a VAT number outside Sweden."""
        return self.kind == "company" and self.country != "SE" and self.has_vat_number

    def active_spells(self, day: date) -> list[Spell]:
        return [s for s in self.spells if s.start <= day and (s.end is None or s.end >= day)]


class Occupancy:
    """Which assignable resources are taken when, so nothing is let twice."""

    def __init__(self) -> None:
        self._taken: dict[str, list[tuple[date, date | None]]] = {}

    def free(self, resource: dict, start: date, end: date | None) -> bool:
        far = date(9999, 1, 1)
        return all(
            start > (taken_end or far) or (end or far) < taken_start
            for taken_start, taken_end in self._taken.get(resource["_id"], [])
        )

    def take(self, resource: dict, start: date) -> None:
        self._taken.setdefault(resource["_id"], []).append((start, None))

    def release(self, resource: dict, end: date | None) -> None:
        """End (or, with None, reopen) the resource's latest letting."""
        spans = self._taken[resource["_id"]]
        spans[-1] = (spans[-1][0], end)


def build_customers(world: World, catalog: Catalog, member_target: int) -> list[Customer]:
    """Create companies and individuals until exactly `member_target` members exist."""
    customers: list[Customer] = []
    occupancy = Occupancy()
    members = 0
    while members < member_target:
        site = world.rng.choice(catalog.sites)
        room = member_target - members
        customer = _company(world, site, room) if world.chance(0.55) else _individual(world, site)
        members += len(customer.members)
        customers.append(customer)
        _history(world, catalog, customer, occupancy)
        _finish_status(world, customer)
    return customers


def _arrival(world: World) -> date:
    if world.chance(0.5):  # already a member when the simulated window opens
        return world.start - timedelta(days=world.rng.randint(20, 700))
    window = (world.today - world.start).days
    return world.start + timedelta(days=world.rng.randint(0, max(1, window - 3)))


def _company(world: World, site: Site, max_members: int) -> Customer:
    rng = world.rng
    arrival = _arrival(world)
    created = world.moment(arrival - timedelta(days=rng.randint(3, 30)))
    size = rng.choices((1, 2, 3, 4, 5, 6, 8), weights=(30, 25, 15, 12, 8, 6, 4))[0]
    size = min(size, max_members)
    if world.chance(0.07):
        country, suffix, city, surnames = rng.choice(names.EU_COUNTRIES)
        name = f"{rng.choice(surnames)} {rng.choice(names.COMPANY_TRADES)} {suffix}"
        registration = f"{country}-{rng.randint(100000, 999999)}"
        vat = names.eu_vat_number(rng, country)
        address = {
            "country": country,
            "city": city,
            "street": f"Hauptstraße {rng.randint(1, 99)}",
            "zip": str(rng.randint(10000, 99999)),
            "state": "",
        }
    else:
        country = "SE"
        name = f"{rng.choice(names.COMPANY_WORDS)} {rng.choice(names.COMPANY_TRADES)} AB"
        registration = names.org_number(rng)
        vat = names.swedish_vat_number(registration)
        address = dict(site.location["address"], street=names.street_address(rng))
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:20] + ".se"
    company = world.new_record(
        "companies",
        created,
        startDate=iso(arrival),
        location=site.id,
        name=name,
        description="",
        email=f"info@{domain}",
        image=None,
        url=f"https://{domain}",
        address=address,
        status="active",
        billingDetails={
            "billingName": name,
            "vatNumber": vat,
            "registrationNumber": registration,
            "paymentMethod": rng.choice(("Credit Card", "Bank Transfer")),
            "billingAddress": address,
        },
        portalPrivacy={"isVisible": True, "showContactDetails": False, "showSocialProfiles": True},
        hasActiveMembersAllowance=False,
        activeMembersAllowanceLimit=0,
        tags=[],
    )
    members = []
    for index in range(size):
        person = names.person_name(rng)
        members.append(
            world.new_record(
                "members",
                created,
                name=person,
                email=names.email_for(person, domain),
                phone=f"+46 7{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                image=None,
                description="",
                location=site.id,
                company=company["_id"],
                status="active",
                startDate=iso(arrival),
                isBillingPerson=index == 0,
                isContactPerson=index == 0,
                address=address,
                billingDetails=None,
                portalPrivacy={
                    "isVisible": True,
                    "showContactDetails": False,
                    "showSocialProfiles": True,
                },
                socialProfiles={},
                tags=[],
            )
        )
    return Customer("company", company, members, site, country=country)


def _individual(world: World, site: Site) -> Customer:
    rng = world.rng
    arrival = _arrival(world)
    created = world.moment(arrival - timedelta(days=rng.randint(1, 20)))
    person = names.person_name(rng)
    address = dict(site.location["address"], street=names.street_address(rng))
    member = world.new_record(
        "members",
        created,
        name=person,
        email=names.email_for(person, rng.choice(("gmail.com", "outlook.com", "icloud.com"))),
        phone=f"+46 70 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        image=None,
        description="",
        location=site.id,
        company=None,
        status="active",
        startDate=iso(arrival),
        isBillingPerson=True,
        isContactPerson=True,
        address=address,
        billingDetails={
            "billingName": person,
            "vatNumber": None,
            "registrationNumber": None,
            "paymentMethod": "Credit Card",
            "billingAddress": address,
        },
        portalPrivacy={"isVisible": True, "showContactDetails": False, "showSocialProfiles": True},
        socialProfiles={},
        tags=[],
    )
    customer = Customer("individual", member, [member], site, has_vat_number=False)
    customer.day_pass_only = world.chance(0.15)
    return customer


def _initial_products(world: World, customer: Customer) -> list[tuple[str, int]]:
    """(plan code, desks) pairs a new customer signs up for."""
    rng = world.rng
    size = len(customer.members)
    if customer.kind == "individual":
        return [
            rng.choices(
                (("HOTDESK", 1), ("FIXDESK", 1), ("FIXDESK-Q", 1), ("VIRTUAL", 0)),
                weights=(45, 22, 8, 25),
            )[0]
        ]
    products = (
        [("OFFICE", max(2, size))]
        if size >= 3 or world.chance(0.2)
        else [(rng.choice(("HOTDESK", "FIXDESK", "FIXDESK", "FIXDESK-Q")), 1) for _ in range(size)]
    )
    if world.chance(0.3):
        products.append(("PARKING", 0))
    return products


def _history(world: World, catalog: Catalog, customer: Customer, occupancy: Occupancy) -> None:
    """Simulate sign-up and monthly events up to today."""
    if customer.day_pass_only:
        return
    rng = world.rng
    arrival = date.fromisoformat(customer.record["startDate"][:10])
    discount_share = Decimal(rng.choice((10, 15))) / 100 if world.chance(0.12) else Decimal(0)
    for code, desks in _initial_products(world, customer):
        _start_spell(world, catalog, customer, occupancy, code, desks, arrival, discount_share)
    month = max(first_of_month(arrival), world.start)
    while month <= world.today:
        day = month + timedelta(days=rng.randint(0, days_in_month(month.year, month.month) - 1))
        if day > world.today:
            break
        active = customer.active_spells(day)
        if not active:
            ended = [s.end for s in customer.spells if s.end]
            if ended and max(ended) < day and world.chance(RETURN_AFTER_CHURN / 4):
                for code, desks in _initial_products(world, customer):
                    _start_spell(
                        world, catalog, customer, occupancy, code, desks, day, discount_share
                    )
        elif day > arrival:
            _monthly_event(world, catalog, customer, occupancy, active, day, discount_share)
        month = add_months(month, 1)


def _monthly_event(world, catalog, customer, occupancy, active, day, discount_share) -> None:
    rng = world.rng
    roll = rng.random()
    if roll < MONTHLY_CHURN:
        end = _end_date(world, day)
        for spell in active:
            _end_spell(world, spell, occupancy, end, day)
    elif roll < MONTHLY_CHURN + MONTHLY_UPGRADE + MONTHLY_DOWNGRADE:
        upgrade = roll < MONTHLY_CHURN + MONTHLY_UPGRADE
        spell = rng.choice([s for s in active if s.spec.code != "PARKING"] or active)
        new = _changed_product(customer, spell, upgrade)
        if new and spell.start < day:
            change_day = day + timedelta(days=rng.randint(3, 14))
            _end_spell(world, spell, occupancy, change_day - timedelta(days=1), day)
            started = _start_spell(
                world,
                catalog,
                customer,
                occupancy,
                new[0],
                new[1],
                change_day,
                discount_share,
                created_on=day,
            )
            if not started:  # nothing free to move into: keep the old membership
                _undo_end(world, spell, occupancy)
    elif (
        roll < MONTHLY_CHURN + MONTHLY_UPGRADE + MONTHLY_DOWNGRADE + MONTHLY_PARKING
        and customer.kind == "company"
        and not any(s.spec.code == "PARKING" for s in active)
    ):
        _start_spell(
            world,
            catalog,
            customer,
            occupancy,
            "PARKING",
            0,
            day + timedelta(days=7),
            Decimal(0),
            created_on=day,
        )


def _changed_product(customer: Customer, spell: Spell, upgrade: bool) -> tuple[str, int] | None:
    code = spell.spec.code
    if upgrade:
        if code in ("HOTDESK", "VIRTUAL"):
            return ("FIXDESK", 1)
        if code in ("FIXDESK", "FIXDESK-Q"):
            return ("OFFICE", 2)
        if code == "OFFICE":
            return ("OFFICE", spell.desks + 2)
        return None
    if code == "OFFICE":
        return ("OFFICE", spell.desks - 2) if spell.desks >= 4 else ("FIXDESK", 1)
    if code in ("FIXDESK", "FIXDESK-Q"):
        return ("HOTDESK", 1)
    if code == "HOTDESK" and customer.kind == "individual":
        return ("VIRTUAL", 0)
    return None


def _end_date(world: World, notice: date) -> date:
    """End of the current month (most cancellations) or a day 1-4 weeks after notice."""
    if world.chance(0.7):
        return add_months(first_of_month(notice), 1) - timedelta(days=1)
    return notice + timedelta(days=world.rng.randint(7, 28))


def _pick_resource(site: Site, spec: PlanSpec, desks: int, start: date, occupancy: Occupancy):
    pool = {
        "OFFICE": site.offices,
        "FIXDESK": site.desks,
        "FIXDESK-Q": site.desks,
        "PARKING": site.parking,
    }.get(spec.code)
    if pool is None:
        return None
    fitting = [r for r in pool if r["desksCount"] >= desks and occupancy.free(r, start, None)]
    if not fitting:
        return False
    return min(fitting, key=lambda r: (r["desksCount"], r["name"]))


def _start_spell(
    world: World,
    catalog: Catalog,
    customer: Customer,
    occupancy: Occupancy,
    code: str,
    desks: int,
    start: date,
    discount_share: Decimal,
    created_on: date | None = None,
) -> bool:
    """Sign a membership (and its contract and assignment). False if no resource is free."""
    spec = catalog.plan_specs[code]
    if spec.interval_count > 1:  # multi-month plans start on the 1st
        start = add_months(first_of_month(start), 1) if start.day > 1 else start
    created = world.moment(created_on or (start - timedelta(days=world.rng.randint(2, 14))))
    if created.date() > world.today:  # signed after the simulated today: not in the data
        return False
    site = customer.site
    resource = _pick_resource(site, spec, desks, start, occupancy)
    if resource is False:
        if code == "OFFICE":
            return _start_spell(
                world, catalog, customer, occupancy, "FIXDESK", 1, start, discount_share, created_on
            )
        if code in ("FIXDESK", "FIXDESK-Q"):
            return _start_spell(
                world, catalog, customer, occupancy, "HOTDESK", 1, start, discount_share, created_on
            )
        return False
    price = resource["price"] if resource is not None and resource["price"] else spec.price
    if resource is not None:
        occupancy.take(resource, start)
        desks = resource["desksCount"]
    discount = to_money(price * discount_share).quantize(Decimal(1))
    plan = catalog.plans[code]
    personal = customer.kind == "individual"
    owner = {"member": customer.id} if personal else {"company": customer.id}
    record = world.new_record(
        "memberships",
        created,
        name=spec.name if not resource else f"{spec.name} {resource['name']}",
        isPersonal=personal,
        status="approved",
        calculatedStatus="active",
        type="month_to_month",
        location=site.id,
        plan=plan["_id"],
        **owner,
        startDate=iso(start),
        endDate=None,
        intervalLength="month",
        intervalCount=spec.interval_count,
        isLocked=False,
        price=price,
        deposit=price * spec.deposit_months,
        discount=None,
        discountAmount=discount,
        calculatedDiscountAmount=discount,
        discountedPrice=price - discount,
        contract=None,
        source="admin",
    )
    spell = Spell(record, spec, site, start, price, discount, resource=resource, desks=desks)
    customer.spells.append(spell)
    if resource is not None:
        spell.assignment = world.new_record(
            "assignments",
            created,
            resource=resource["_id"],
            membership=record["_id"],
            startDate=iso(start),
            endDate=None,
        )
    if code == "OFFICE":
        _contract(world, customer, spell, created)
    return True


def _contract(world: World, customer: Customer, spell: Spell, created) -> None:
    number = len(world.collections["contracts"]) + 1
    months = 12
    end = add_months(spell.start, months) - timedelta(days=1)
    step = {
        "price": spell.price,
        "discount": spell.discount,
        "discountedAmount": spell.price - spell.discount,
        "startDate": iso(spell.start),
        "endDate": iso(end),
    }
    total = (spell.price - spell.discount) * months
    contract = world.new_record(
        "contracts",
        created,
        number=f"CON-{number}",
        company=customer.id,
        member=customer.billing_member["_id"],
        location=spell.site.id,
        documentType="membershipagreement",
        startDate=iso(spell.start),
        endDate=iso(end),
        notice={"months": 1},
        plans=[
            {
                "id": spell.record["plan"],
                "steps": [step],
                "count": 1,
                "price": spell.price,
                "deposit": spell.price,
                "increasePriceInRolling": False,
            }
        ],
        oneOffPlans=[],
        resources=[
            {
                "id": spell.resource["_id"],
                "steps": [step],
                "size": spell.desks,
                "price": spell.price,
                "deposit": spell.price,
                "increasePriceInRolling": False,
            }
        ],
        legalDocuments=[],
        addendum=None,
        isRolling=True,
        stage="active",
        status="signed",
        signatureStatus="e_signed",
        signDate=iso(created),
        signedBy={
            "_id": customer.billing_member["_id"],
            "displayName": customer.billing_member["name"],
        },
        activationErrors=[],
        termination=None,
        total=total,
        baseTotal=total,
        plansTotal=total,
        oneOffsTotal=0,
        resourcesTotal=0,
        percentagePriceIncrease=0,
        previousDepositHeld=0,
        type="new" if len(customer.spells) == 1 else "expansion",
        renewedContract=None,
        renewalContract=None,
    )
    spell.record["contract"] = contract["_id"]
    spell.contract = contract


def _end_spell(world: World, spell: Spell, occupancy: Occupancy, end: date, notice: date) -> None:
    end = max(end, spell.start)
    spell.end, spell.notice = end, min(notice, end)
    spell.record["endDate"] = iso(end)
    world.touch(spell.record, world.moment(spell.notice))
    if spell.resource is not None:
        occupancy.release(spell.resource, end)
        spell.assignment["endDate"] = iso(end)
        world.touch(spell.assignment, world.moment(spell.notice))
    if spell.contract is not None:
        spell.contract.update(
            stage="terminated",
            status="terminated",
            termination={"date": iso(end), "reasonKey": "moving_out", "comments": ""},
        )
        world.touch(spell.contract, world.moment(spell.notice))


def _undo_end(world: World, spell: Spell, occupancy: Occupancy) -> None:
    spell.end = spell.notice = None
    spell.record["endDate"] = None
    if spell.resource is not None:
        occupancy.release(spell.resource, None)
        spell.assignment["endDate"] = None
    if spell.contract is not None:
        spell.contract.update(stage="active", status="signed", termination=None)


def _finish_status(world: World, customer: Customer) -> None:
    """Statuses as of today, as OfficeRnD computes them."""
    today = world.today
    for spell in customer.spells:
        record = spell.record
        if spell.start > today:
            record["calculatedStatus"] = "not_started"
        elif spell.end is not None and spell.end < today:
            record["calculatedStatus"] = "expired"
        if spell.end is not None and spell.end < today:
            record["type"] = "fixed" if spell.spec.code == "OFFICE" else "month_to_month"
    if customer.day_pass_only:
        status = "drop-in"
    elif customer.active_spells(today):
        status = "active"
    elif any(s.start > today for s in customer.spells):
        status = "pending"
    else:
        status = "former"
    for record in {id(r): r for r in [customer.record, *customer.members]}.values():
        record["status"] = status
