"""A hand-made operator for the books tests: one location (STH, floor "Plan 1"), the Swedish
tax rates, revenue accounts named as in the sandbox mapping, a few plans and a meeting room at
450 SEK an hour; a Swedish company, a Dutch company with a VAT number, and their members.

Invoices and bookings are written by the tests with their amounts spelled out; `books(...)`
stages everything and builds every core table."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ornd_visma.books.booking_accounting import build_booking_accounting
from ornd_visma.books.invoice_lines import build_documents
from ornd_visma.books.revenue import (
    build_revenue_accruals,
    build_revenue_deferrals,
    build_revenue_schedule,
)
from ornd_visma.mapping import SANDBOX_MAPPING, Mapping, load_mapping
from tests.books.warehouse import EVERYTHING, staged_warehouse

SETUP = "2024-01-01T09:00:00.000Z"


def oid(prefix: str, n: int = 1) -> str:
    """A 24-hex OfficeRnD id, readable in failures: `oid("a1", 3)` = 'a1000…0003'."""
    return f"{prefix}{n:0{24 - len(prefix)}d}"


TAX_CODES = ("SE25", "SE12", "SE06", "SE00", "EXEMPT", "RCEU")
TAX = {code: oid("a1", i) for i, code in enumerate(TAX_CODES, 1)}
PERCENT = {"SE25": 25, "SE12": 12, "SE06": 6, "SE00": 0, "EXEMPT": 0, "RCEU": 0}
ACCOUNTS = {
    "MEMBERSHIP": ("SE25", "membershipFees"),
    "BOOKING": ("SE25", "bookingFees"),
    "ONEOFF": ("SE25", "oneOffFees"),
    "DEPOSITS": ("SE00", "deposits"),
    "PRINTING": ("SE25", None),
    "CATERING": ("SE12", None),
    "EVENT-TICKETS": ("SE06", None),
    "OFFICE-RENT": ("EXEMPT", None),
    "PARKING": ("SE25", None),
}
ACCOUNT = {code: oid("b1", i) for i, code in enumerate(ACCOUNTS, 1)}
PLANS = {  # code: (type, price, revenue account, interval length, interval count)
    "HOTDESK": ("hotdesk", 2495, "MEMBERSHIP", "month", 1),
    "FIXDESK": ("desk", 3995, "MEMBERSHIP", "month", 1),
    "FIXDESK-Q": ("desk", 3795, "MEMBERSHIP", "month", 3),
    "PRINT-100": ("service", 150, "PRINTING", "once", 1),
    "CATERING": ("service", "89.50", "CATERING", "once", 1),
    "TICKET": ("service", 250, "EVENT-TICKETS", "once", 1),
    "OFFICE": ("office", 4200, "OFFICE-RENT", "month", 1),
}
PLAN = {code: oid("c1", i) for i, code in enumerate(PLANS, 1)}
LOCATION, FLOOR = oid("d1"), oid("d2")
ROOM, DESK, RATE = oid("e1"), oid("e2"), oid("e3")
COMPANY, EU_COMPANY, CREDIT_COMPANY = oid("f1", 1), oid("f1", 2), oid("f1", 3)
MEMBER, EU_MEMBER, CREDIT_MEMBER = oid("f2", 1), oid("f2", 2), oid("f2", 3)
ROOM_RATE = Decimal(450)


def _record(_id: str, **fields) -> dict:
    return {"_id": _id, **fields, "createdAt": SETUP, "modifiedAt": SETUP}


def _company(_id: str, name: str, country: str, vat: str) -> dict:
    return _record(
        _id,
        name=name,
        location=LOCATION,
        address={"country": country},
        billingDetails={"billingName": name, "vatNumber": vat},
    )


def world() -> dict[str, list[dict]]:
    """The operator's setup and customers, as OfficeRnD's API returns them."""
    return {
        "tax-rates": [
            _record(TAX[c], name=c, code=c, type="standard", rate=PERCENT[c]) for c in TAX
        ],
        "revenue-accounts": [
            _record(ACCOUNT[c], name=c, code=c, taxRate=TAX[t], **({"defaultFor": d} if d else {}))
            for c, (t, d) in ACCOUNTS.items()
        ],
        "plans": [
            _record(
                PLAN[c],
                name=c,
                code=c,
                type=t,
                price=Decimal(str(p)),
                revenueAccount=ACCOUNT[a],
                intervalLength=il,
                intervalCount=ic,
            )
            for c, (t, p, a, il, ic) in PLANS.items()
        ],
        "resource-rates": [
            _record(
                RATE,
                name="Meeting room",
                code="MR",
                type="meeting_room",
                price=ROOM_RATE,
                intervalLength="hour",
                revenueAccount=ACCOUNT["BOOKING"],
            )
        ],
        "resource-types": [_record(oid("e9"), title="Meeting Room", type="meeting_room")],
        "locations": [_record(LOCATION, name="Stockholm Södermalm", code="STH")],
        "floors": [_record(FLOOR, name="Plan 1", floor="1", location=LOCATION, area=500)],
        "resources": [
            _record(
                ROOM, name="Rum 1", type="meeting_room", location=LOCATION, floor=FLOOR, rate=RATE
            ),
            _record(DESK, name="D1", type="desk", location=LOCATION, floor=FLOOR),
        ],
        "companies": [
            _company(COMPANY, "Stensund AB", "Sweden", "SE559837407101"),
            _company(EU_COMPANY, "Bakker B.V.", "NL", "NL112532870B01"),
            _company(CREDIT_COMPANY, "Kredit AB", "Sweden", "SE559637265501"),
        ],
        "members": [
            _record(MEMBER, name="Anna", company=COMPANY, location=LOCATION),
            _record(EU_MEMBER, name="Jan", company=EU_COMPANY, location=LOCATION),
            _record(CREDIT_MEMBER, name="Karin", company=CREDIT_COMPANY, location=LOCATION),
        ],
    }


def line(
    description: str,
    net: str,
    tax: str,
    vat: str,
    *,
    account: str = "MEMBERSHIP",
    plan: str | None = "HOTDESK",
    start: str = "2026-09-01",
    end: str = "2026-09-30",
    quantity: str = "1",
    membership: str | None = None,
    fee: str | None = None,
) -> dict:
    """An invoice line with its amounts as the test computed them (net before VAT). A line of
    a monthly plan comes from a membership, as in OfficeRnD."""
    net_d, vat_d = Decimal(net), Decimal(vat)
    if membership is None and plan in PLANS and PLANS[plan][3] == "month":
        membership = oid("ab", list(PLANS).index(plan) + 1)
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "account": ACCOUNT[account],
        "plan": PLAN.get(plan, plan) if plan else None,
        "fee": fee,
        "membership": membership,
        "location": LOCATION,
        "taxRate": TAX[tax],
        "taxPercent": PERCENT[tax],
        "taxAmount": vat_d,
        "price": net_d,
        "subTotal": net_d,
        "total": net_d + vat_d,
        "startDate": f"{start}T00:00:00.000Z",
        "endDate": f"{end}T00:00:00.000Z",
    }


def document(
    _id: str,
    lines: list[dict],
    *,
    kind: str = "invoice",
    day: str = "2026-08-27",
    company: str | None = COMPANY,
    member: str = MEMBER,
    credits: str | None = None,
) -> dict:
    """An invoice or credit note whose `taxAmounts`, `subTotal` and `total` add up its lines."""
    taxes: dict[str, Decimal] = {}
    for li in lines:
        taxes[li["taxRate"]] = taxes.get(li["taxRate"], Decimal(0)) + li["taxAmount"]
    net = sum((li["subTotal"] for li in lines), Decimal(0))
    total = net + sum(taxes.values(), Decimal(0))
    return _record(
        _id,
        number=f"{'CN' if kind == 'creditNote' else ''}{_id[-4:]}-STH",
        documentType=kind,
        date=f"{day}T00:00:00.000Z",
        dueDate=f"{day}T00:00:00.000Z",
        company=company,
        member=member,
        location=LOCATION,
        taxType="excluded",
        allocations=[{"_id": oid("99"), "target": credits, "amount": total}] if credits else [],
        lines=lines,
        taxAmounts=[
            {
                "taxRate": r,
                "percent": PERCENT[next(k for k, v in TAX.items() if v == r)],
                "total": t,
            }
            for r, t in taxes.items()
        ],
        subTotal=net,
        amount=total,
        total=total,
        currency="SEK",
        status="awaiting_payment",
    )


def books(
    path: Path,
    collections: dict[str, list[dict]],
    mapping: Mapping | None = None,
    *,
    as_of: date | None = None,
    rounding: str = "whole_krona",
) -> duckdb.DuckDBPyConnection:
    """Stage the world plus `collections` and build every core table."""
    data = world()
    for name, records in collections.items():
        data[name] = data.get(name, []) + records
    conn = staged_warehouse(path, data)
    build_documents(conn, mapping or load_mapping(SANDBOX_MAPPING), EVERYTHING, None, rounding)
    build_revenue_schedule(conn, EVERYTHING, None)
    build_revenue_deferrals(conn)
    build_revenue_accruals(conn)
    build_booking_accounting(conn, as_of=as_of)
    return conn
