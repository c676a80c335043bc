"""Hand-made staging histories in a DuckDB file: each test writes the few records it needs."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ornd_visma.validation.columns import COLUMNS, ddl

LOCATION = "loc-sth"
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
