"""The operator's setup: tax rates, revenue accounts, plans, resource rates, resource types,
locations with floors, resources and business hours.

VAT follows Swedish practice for coworking (reference §3.2): memberships, desks, meeting rooms
with services, parking, printing and events 25 %; lockable private offices exempt (property
letting, HFD 2021 ref. 6); catering 12 %; concert-style event tickets 6 %; deposits carry no
VAT; EU business customers get the reverse-charge rate on 25 % services.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from ornd_visma.sandbox.generator.names import street_address
from ornd_visma.sandbox.generator.world import World, at

TAX_RATES = (
    # key, name, code, type, percent
    ("25", "Moms 25%", "SE25", "standard", Decimal(25)),
    ("12", "Moms 12%", "SE12", "reduced", Decimal(12)),
    ("6", "Moms 6%", "SE06", "reduced", Decimal(6)),
    ("0", "Ingen moms 0%", "SE00", "zero", Decimal(0)),
    ("exempt", "Momsfri (undantagen)", "EXEMPT", "exempt", Decimal(0)),
    ("rc", "Omvänd skattskyldighet EU", "RCEU", "reverse_charge", Decimal(0)),
)

REVENUE_ACCOUNTS = (
    # key, name, code, defaultFor (presets only), tax key
    ("booking", "Booking Fees", "BOOKING", "bookingFees", "25"),
    ("deposits", "Deposits", "DEPOSITS", "deposits", "0"),
    ("membership", "Membership Fees", "MEMBERSHIP", "membershipFees", "25"),
    ("oneoff", "One-off Fees", "ONEOFF", "oneOffFees", "25"),
    ("order", "Order Fees", "ORDER", "orderFees", "25"),
    ("office", "Private Office Rent", "OFFICE-RENT", None, "exempt"),
    ("daypass", "Day Passes", "DAYPASS", None, "25"),
    ("parking", "Parking", "PARKING", None, "25"),
    ("printing", "Printing", "PRINTING", None, "25"),
    ("eventspace", "Event Space", "EVENT-SPACE", None, "25"),
    ("tickets", "Event Tickets", "EVENT-TICKETS", None, "6"),
    ("catering", "Café & Catering", "CATERING", None, "12"),
    ("virtual", "Virtual Office", "VIRTUAL", None, "25"),
)


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    type: str
    price: Decimal  # monthly price for recurring plans, unit price for one-off plans
    account: str
    interval_length: str = "month"
    interval_count: int = 1
    credits_per_month: int = 0  # meeting-room hours included each month
    coins_per_desk: Decimal = Decimal(0)  # coins granted monthly per office desk
    deposit_months: int = 0


PLANS = (
    PlanSpec("HOTDESK", "Hot Desk", "hotdesk", Decimal(2495), "membership"),
    PlanSpec("FIXDESK", "Fixed Desk", "desk", Decimal(3995), "membership", credits_per_month=4),
    PlanSpec(
        "FIXDESK-Q",
        "Fixed Desk – Quarterly",
        "desk",
        Decimal(3795),
        "membership",
        interval_count=3,
        credits_per_month=4,
    ),
    PlanSpec(
        "OFFICE",
        "Private Office",
        "office",
        Decimal(4200),
        "office",
        coins_per_desk=Decimal(150),
        deposit_months=1,
    ),
    PlanSpec("VIRTUAL", "Virtual Office", "service", Decimal(995), "virtual"),
    PlanSpec("PARKING", "Parking Spot", "service", Decimal(1200), "parking"),
    PlanSpec("PRINT-100", "Printing 100 pages", "service", Decimal(150), "printing", "once"),
    PlanSpec("DAYPASS", "Day Pass", "hotdesk", Decimal(350), "daypass", "once"),
    PlanSpec("DAYPASS-10", "Day Pass 10-pack", "hotdesk", Decimal("3150.00"), "daypass", "once"),
    PlanSpec("PARKING-DAY", "Parking Day Ticket", "service", Decimal(150), "parking", "once"),
    PlanSpec("TICKET", "Friday Jazz Night Ticket", "service", Decimal(250), "tickets", "once"),
    PlanSpec(
        "CATERING", "Meeting Fika per Person", "service", Decimal("89.50"), "catering", "once"
    ),
    PlanSpec("KEYCARD", "Key Card", "service", Decimal(200), "oneoff", "once"),
    PlanSpec("SETUP", "Office Setup Fee", "service", Decimal(1500), "oneoff", "once"),
    PlanSpec("CREDITS-10", "Meeting Room Credits 10 h", "service", Decimal(3500), "oneoff", "once"),
)

RESOURCE_TYPES = (
    # type, title, bookingMode, canBook, canAssign, isPrimary
    ("meeting_room", "Meeting Room", "time", True, False, False),
    ("team_room", "Private Office", "date", False, True, True),
    ("desk", "Dedicated Desk", "date", False, True, True),
    ("desk_tr", "Office Desk", "date", False, True, False),
    ("hotdesk", "Hot Desk", "date", True, False, True),
    ("event_space", "Event Space", "time", True, False, False),
    ("parking", "Parking Spot", "date", False, True, False),
)

LOCATIONS = (
    ("Stockholm Södermalm", "STH", "Stockholm", "118 46"),
    ("Göteborg Inom Vallgraven", "GBG", "Göteborg", "411 17"),
    ("Malmö Västra Hamnen", "MMO", "Malmö", "211 15"),
    ("Uppsala Centrum", "UPP", "Uppsala", "753 20"),
    ("Stockholm Kungsholmen", "KHM", "Stockholm", "112 21"),
    ("Lund Clemenstorget", "LND", "Lund", "222 21"),
    ("Linköping Innerstaden", "LKP", "Linköping", "582 24"),
    ("Örebro Järntorget", "ORB", "Örebro", "702 11"),
    ("Västerås Centrum", "VST", "Västerås", "722 15"),
    ("Umeå Rådhustorget", "UME", "Umeå", "903 26"),
)


@dataclass
class Site:
    """A location with its resources, as the generator uses them."""

    location: dict
    floors: list[dict] = field(default_factory=list)
    offices: list[dict] = field(default_factory=list)
    desks: list[dict] = field(default_factory=list)
    hotdesk_areas: list[dict] = field(default_factory=list)
    meeting_rooms: list[dict] = field(default_factory=list)
    event_spaces: list[dict] = field(default_factory=list)
    parking: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.location["_id"]


@dataclass
class Catalog:
    tax_rates: dict[str, dict]
    tax_percent: dict[str, Decimal]  # tax rate id -> percent
    accounts: dict[str, dict]
    plans: dict[str, dict]
    plan_specs: dict[str, PlanSpec]
    resource_rates: dict[str, dict]
    rate_price: dict[str, Decimal]  # resource rate id -> hourly price
    sites: list[Site]

    def account_tax(self, account_key: str) -> dict:
        return self.tax_rates_by_id[self.accounts[account_key]["taxRate"]]

    @property
    def tax_rates_by_id(self) -> dict[str, dict]:
        return {rate["_id"]: rate for rate in self.tax_rates.values()}


def build_catalog(world: World, location_count: int, capacity: int) -> Catalog:
    """Create the setup records; `capacity` (members to seat) sizes the locations."""
    setup_day = at(world.start - timedelta(days=900), 9)
    tax_rates = {}
    for key, name, code, kind, percent in TAX_RATES:
        component_id = world.ids.new(setup_day)
        tax_rates[key] = world.new_record(
            "tax-rates",
            setup_day,
            name=name,
            code=code,
            type=kind,
            rate=percent,
            components=[{"_id": component_id, "name": name, "rate": percent}],
        )
    accounts = {}
    for key, name, code, default_for, tax_key in REVENUE_ACCOUNTS:
        fields = {"name": name, "description": f"{name} revenue", "code": code}
        if default_for:
            fields["defaultFor"] = default_for
        fields["taxRate"] = tax_rates[tax_key]["_id"]
        accounts[key] = world.new_record("revenue-accounts", setup_day, **fields)

    sites = [
        _build_site(world, setup_day, index, location_count, capacity)
        for index in range(location_count)
    ]
    location_ids = [site.id for site in sites]
    _build_resource_types(world, setup_day)

    plans = {}
    for spec in PLANS:
        plans[spec.code] = world.new_record(
            "plans",
            setup_day,
            name=spec.name,
            description=f"{spec.name} at any of our locations",
            code=spec.code,
            type=spec.type,
            price=spec.price,
            deposit=spec.price * spec.deposit_months,
            depositPercent=0,
            useDepositPercent=False,
            locations=location_ids,
            image=None,
            link=None,
            intervalLength=spec.interval_length,
            intervalCount=spec.interval_count,
            revenueAccount=accounts[spec.account]["_id"],
            setupFees=[],
            discounts=[],
            legalDocuments=[],
            shouldProrate=spec.interval_length == "month",
            credits=(
                [
                    {
                        "count": spec.credits_per_month,
                        "validFor": "resourceTypes",
                        "resourceTypes": ["meeting_room"],
                        "intervalLength": "month",
                    }
                ]
                if spec.credits_per_month
                else []
            ),
            useCoins=True,
            passesForLocations=[],
            extras=[],
            requiresApproval=False,
            allowsCancellation=True,
            forMembers=True,
            forTeamMembers=True,
            forNonMembers=spec.interval_length == "once",
            markupPercent=0,
            shouldPassesGrantActiveStatus=False,
            amenities=[],
        )
    rates = {}
    for code, name, kind, price, account in (
        ("MR-SMALL", "Meeting Room (small)", "meeting_room", Decimal(450), None),
        ("MR-LARGE", "Meeting Room (large)", "meeting_room", Decimal(750), None),
        ("EVENT", "Event Space", "event_space", Decimal(2500), "eventspace"),
    ):
        fields = dict(
            name=name,
            code=code,
            description=f"{name}, per hour",
            type=kind,
            intervalLength="hour",
            intervalCount=1,
            price=price,
            shouldProrate=False,
            useCoins=True,
            rates=[],
            extras=[],
            locations=location_ids,
            amenities=[],
        )
        if account:  # without one, OfficeRnD uses the default "Booking fees" account
            fields["revenueAccount"] = accounts[account]["_id"]
        rates[code] = world.new_record("resource-rates", setup_day, **fields)
    for site in sites:
        for room in site.meeting_rooms:
            room["rate"] = rates["MR-LARGE" if room["size"] >= 8 else "MR-SMALL"]["_id"]
        for space in site.event_spaces:
            space["rate"] = rates["EVENT"]["_id"]
    return Catalog(
        tax_rates=tax_rates,
        tax_percent={rate["_id"]: rate["rate"] for rate in tax_rates.values()},
        accounts=accounts,
        plans=plans,
        plan_specs={spec.code: spec for spec in PLANS},
        resource_rates=rates,
        rate_price={rate["_id"]: rate["price"] for rate in rates.values()},
        sites=sites,
    )


def _build_resource_types(world: World, created) -> None:
    for kind, title, mode, can_book, can_assign, primary in RESOURCE_TYPES:
        world.new_record(
            "resource-types",
            created,
            title=title,
            type=kind,
            bookingMode=mode,
            checkinMode="hour" if mode == "time" else "day",
            icon=kind,
            canBook=can_book,
            canAssign=can_assign,
            isPrimary=primary,
            isHierarchical=kind == "team_room",
        )


def _build_site(world: World, created, index: int, count: int, capacity: int) -> Site:
    rng = world.rng
    name, code, city, zip_code = LOCATIONS[index]
    seats = max(40, int(capacity * 1.25 / count))  # room to grow: occupancy below 100 %
    floor_count = 1 if seats < 80 else min(4, 1 + seats // 90)
    location = world.new_record(
        "locations",
        created,
        name=name,
        code=code,
        address={
            "country": "Sweden",
            "city": city,
            "street": street_address(rng),
            "zip": zip_code,
            "state": "",
        },
        timezone="Europe/Stockholm",
        isOpen=True,
        isPublic=True,
        image=None,
        targetRevenuePerPeriod=[],
    )
    site = Site(location)
    world.new_record(
        "business-hours",
        created,
        location=location["_id"],
        timezone="Europe/Stockholm",
        days=[
            {
                "day": day,
                "isOpen": day <= 5,
                "from": "08:00" if day <= 5 else None,
                "to": "18:00" if day <= 5 else None,
            }
            for day in range(1, 8)
        ],
    )
    seats_per_floor = seats // floor_count + 1
    for number in range(1, floor_count + 1):
        area = Decimal(seats_per_floor * 9 + rng.randint(60, 140))  # m² incl. common areas
        floor = world.new_record(
            "floors",
            created,
            floor=str(number),
            name=f"Plan {number}",
            location=location["_id"],
            area=area,
            isOpen=True,
        )
        site.floors.append(floor)
        _build_floor(world, created, site, floor, seats_per_floor)
    ground = site.floors[0]
    site.event_spaces.append(
        _resource(world, created, site, ground, f"{code} Eventhallen", "event_space", size=60)
    )
    for spot in range(1, max(4, seats // 12) + 1):
        site.parking.append(
            _resource(
                world, created, site, ground, f"{code} P{spot:02d}", "parking", price=Decimal(1200)
            )
        )
    return site


def _build_floor(world: World, created, site: Site, floor: dict, seats: int) -> None:
    rng = world.rng
    code = site.location["code"]
    office_seats = int(seats * 0.5)
    number = 1
    while office_seats > 0:
        desks = min(office_seats, rng.choice((2, 3, 4, 4, 6, 8)))
        office_seats -= desks
        site.offices.append(
            _resource(
                world,
                created,
                site,
                floor,
                f"{code} {floor['floor']}{number:02d}",
                "team_room",
                size=desks,
                desks=desks,
                area_m2=Decimal(desks * 6 + 4),
                price=Decimal(4200) * desks,
            )
        )
        number += 1
    for desk in range(1, int(seats * 0.25) + 1):
        site.desks.append(
            _resource(
                world,
                created,
                site,
                floor,
                f"{code} D{floor['floor']}-{desk:02d}",
                "desk",
                size=1,
                desks=1,
                area_m2=Decimal(5),
                price=Decimal(3995),
            )
        )
    site.hotdesk_areas.append(
        _resource(
            world,
            created,
            site,
            floor,
            f"{code} Flex {floor['floor']}",
            "hotdesk",
            size=max(8, int(seats * 0.25)),
            desks=max(8, int(seats * 0.25)),
        )
    )
    for room in range(1, 3):
        size = rng.choice((4, 6, 8, 12))
        site.meeting_rooms.append(
            _resource(
                world,
                created,
                site,
                floor,
                f"{code} Rum {floor['floor']}{room}",
                "meeting_room",
                size=size,
            )
        )


def _resource(
    world: World,
    created,
    site: Site,
    floor: dict,
    name: str,
    kind: str,
    *,
    size: int = 1,
    desks: int = 0,
    area_m2: Decimal | None = None,
    price: Decimal | None = None,
) -> dict:
    return world.new_record(
        "resources",
        created,
        name=name,
        description="",
        type=kind,
        rate=None,
        location=site.id,
        floor=floor["_id"],
        price=price,
        deposit=None,
        size=size,
        # OfficeRnD keeps resource area in mm².
        area=int(area_m2 * 1_000_000) if area_m2 is not None else None,
        childrenCount=0,
        desksCount=desks,
        parents=[],
        availability={"startDate": "2020-01-01T00:00:00.000Z", "endDate": None},
        images=[],
        amenities=[],
        privacy="active_members",
    )
