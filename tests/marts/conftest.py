"""Hand-made staging histories in a DuckDB file: each test writes the few records it needs."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ornd_visma.marts.occupancy import build_occupancy
from ornd_visma.marts.revenue import SCHEDULE_COLUMNS, build_revenue
from ornd_visma.validation.columns import COLUMNS, ddl

LOCATION = "loc-sth"
FLOOR = "floor-1"
OTHER_LOCATION = "loc-gbg"
PLANS = {
    # id: (type, monthly price, intervalLength, intervalCount)
    "plan-hotdesk": ("hotdesk", "2495", "month", 1),
    "plan-fixdesk": ("desk", "3995", "month", 1),
    "plan-fixdesk-q": ("desk", "3795", "month", 3),
    "plan-office": ("office", "16800", "month", 1),
    "plan-parking": ("service", "1200", "month", 1),
    "plan-daypass": ("hotdesk", "350", "once", 1),
}


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(value)


def insert(conn: duckdb.DuckDBPyConnection, collection: str, rows: list[dict]) -> None:
    """Insert `rows` (typed column values by staging column name) into `staging.<table>`."""
    names = [c.name for c in COLUMNS[collection]]
    table = collection.replace("-", "_")
    for row in rows:
        unknown = set(row) - set(names) - {"payload"}
        assert not unknown, f"{collection}: no columns {unknown}"
        payload = row.get("payload", {k: v for k, v in row.items() if k != "payload"})
        values = [row.get(n) for n in names] + [json.dumps(payload, default=_json_default)]
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO staging.{table} VALUES ({marks})", values)


@pytest.fixture
def warehouse(tmp_path: Path):
    """A warehouse file with empty staging tables, the locations and the plans above."""
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    conn.execute("CREATE SCHEMA staging")
    for collection in COLUMNS:
        conn.execute(ddl(collection, "staging"))
    insert(
        conn,
        "locations",
        [
            {"id": LOCATION, "name": "Stockholm", "code": "STH"},
            {"id": OTHER_LOCATION, "name": "Göteborg", "code": "GBG"},
        ],
    )
    insert(
        conn,
        "plans",
        [
            {
                "id": plan,
                "name": plan,
                "type": kind,
                "price": Decimal(price),
                "interval_length": length,
                "interval_count": count,
            }
            for plan, (kind, price, length, count) in PLANS.items()
        ],
    )
    yield conn
    conn.close()


_serial = iter(range(1, 1_000_000))


def membership(
    customer: str,
    plan: str,
    start: str,
    end: str | None = None,
    *,
    price: str | None = None,
    discount: str = "0",
    location: str = LOCATION,
    personal: bool = False,
    status: str = "approved",
    mid: str | None = None,
) -> dict:
    """A membership row; `price` defaults to the plan's monthly price."""
    _kind, plan_price, length, count = PLANS[plan]
    owner = {"member": customer} if personal else {"company": customer}
    row = {
        "id": mid or f"ms-{next(_serial)}",
        "name": plan,
        **owner,
        "plan": plan,
        "location": location,
        "is_personal": personal,
        "status": status,
        "start_date": date.fromisoformat(start),
        "end_date": date.fromisoformat(end) if end else None,
        "interval_count": count,
        "price": Decimal(price or plan_price),
        "discount_amount": Decimal(discount),
    }
    row["payload"] = {**row, "intervalLength": length}
    return row


def _resource(rid, rtype, desks, available_from=None):
    row = {
        "id": rid,
        "name": rid,
        "type": rtype,
        "location": LOCATION,
        "floor": FLOOR,
        "desks_count": desks,
    }
    row["payload"] = {**row, "availability": {"startDate": available_from, "endDate": None}}
    return row


def _assignment(aid, resource, ms, start, end=None):
    return {
        "id": aid,
        "resource": resource,
        "membership": ms,
        "start_date": date.fromisoformat(start),
        "end_date": date.fromisoformat(end) if end else None,
    }


@pytest.fixture
def floor(warehouse):
    """The hand-made floor of test_occupancy, built with a hot-desk coefficient of 2."""
    insert(
        warehouse,
        "floors",
        [{"id": FLOOR, "name": "Plan 1", "location": LOCATION, "area_m2": Decimal(200)}],
    )
    insert(
        warehouse,
        "resource-types",
        [
            {"id": f"rt-{t}", "title": t, "type": t, "payload": {"type": t, "isPrimary": p}}
            for t, p in [
                ("team_room", True),
                ("desk", True),
                ("hotdesk", True),
                ("meeting_room", False),
                ("parking", False),
            ]
        ],
    )
    insert(
        warehouse,
        "resources",
        [
            _resource("OFF-1", "team_room", 4),
            _resource("OFF-2", "team_room", 6, "2026-06-10T00:00:00.000Z"),
            _resource("D-1", "desk", 1),
            _resource("D-2", "desk", 1),
            _resource("D-3", "desk", 1),
            _resource("HD", "hotdesk", 10),
            _resource("MR", "meeting_room", 0),
            _resource("P", "parking", 0),
        ],
    )
    insert(
        warehouse,
        "memberships",
        [
            membership("A", "plan-office", "2026-05-01", mid="m1"),
            membership("B", "plan-office", "2026-06-16", mid="m2"),
            membership("C", "plan-fixdesk", "2026-06-01", "2026-06-15", mid="m3"),
            membership("D", "plan-fixdesk", "2026-05-20", mid="m4"),
            membership("E", "plan-fixdesk", "2026-06-20", mid="m5"),
            membership("F", "plan-parking", "2026-05-01", mid="m6"),
            membership("h1", "plan-hotdesk", "2026-05-25", personal=True),
            membership("h2", "plan-hotdesk", "2026-06-11", personal=True),
            membership("h3", "plan-hotdesk", "2026-06-01", personal=True, status="not_approved"),
            membership("h4", "plan-daypass", "2026-06-03", "2026-06-03", personal=True),
            # assigned to the hot-desk area from 1 July: a hot-desk plan and a fixed-desk plan
            membership("h5", "plan-hotdesk", "2026-07-01", personal=True, mid="m-h5"),
            membership("G", "plan-fixdesk", "2026-07-01", mid="m7"),
        ],
    )
    insert(
        warehouse,
        "assignments",
        [
            _assignment("a1", "OFF-1", "m1", "2026-05-01"),
            _assignment("a2", "OFF-2", "m2", "2026-06-16"),
            _assignment("a3", "D-1", "m3", "2026-06-01"),
            _assignment("a4", "D-2", "m4", "2026-05-20"),
            _assignment("a5", "D-2", "m5", "2026-06-20"),
            _assignment("a6", "P", "m6", "2026-05-01"),
            _assignment("a7", "HD", "m-h5", "2026-07-01"),
            _assignment("a8", "HD", "m7", "2026-07-01"),
        ],
    )
    insert(
        warehouse,
        "checkins",
        [
            {"id": f"ci-{i}", "start": f"2026-06-05 0{8 + i}:00:00", "location": LOCATION}
            for i in range(2)
        ],
    )
    build_occupancy(warehouse, date(2026, 7, 1), coefficient=Decimal(2))
    return warehouse


JUNE = [date(2026, 6, 1) + timedelta(days=i) for i in range(30)]


def _schedule(conn, rows):
    conn.execute("CREATE SCHEMA IF NOT EXISTS core")
    columns = ", ".join(f"{n} {t}" for n, t in SCHEDULE_COLUMNS.items())
    conn.execute(f"CREATE TABLE core.revenue_schedule ({columns})")
    for doc, line, day, floor, cls, amount in rows:
        conn.execute(
            "INSERT INTO core.revenue_schedule (document_id, line_no, service_date, location, "
            "floor, revenue_class, amount, invoice_date, business_date) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                doc,
                line,
                day,
                LOCATION,
                floor,
                cls,
                Decimal(amount),
                date(2026, 5, 27),
                date(2026, 5, 27),
            ],
        )


@pytest.fixture
def revenue(floor):
    """The floor with the hand-made June schedule of test_revenue, revenue marts built."""
    rows = [("doc-1", 1, d, FLOOR, "private_office", "560.00") for d in JUNE]
    rows += [("doc-2", 1, d, "Plan 1", "membership", "83.17") for d in JUNE[:-1]]
    rows += [("doc-2", 1, JUNE[-1], "Plan 1", "membership", "83.07")]  # 2495 − 29 × 83.17
    rows += [("doc-3", 1, date(2026, 6, 5), None, "booking_fee", "500.00")]
    rows += [("doc-4", 1, date(2026, 6, 30), FLOOR, "private_office", "-560.00")]
    _schedule(floor, rows)
    summary = build_revenue(floor)
    assert summary.schedule_present
    # 16800 + 2495 + 500 − 560
    assert (summary.days, summary.revenue) == (30, Decimal("19235.00"))
    return floor
