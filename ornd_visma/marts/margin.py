"""Occupancy-driven margin per location and month: recognised revenue less the costs Visma
holds on the location's cost center, per occupied desk and as the occupancy that breaks even.

Where the costs come from (reference unsure, the choice made): eAccounting's account
balances (`GET /accountbalances/{date}`) are per account only, with no cost-center dimension,
so they cannot give a location's costs. Cost centers live on voucher rows
(`CostCenterItemId1`), so the costs of a location in a month are the voucher rows dated in
the month on the **cost accounts** (BAS classes 4–8, accounts 4000–8999), debit − credit, on
the location's cost-center item (the mapping's `locations.<code>.cost_center_item`, the
item's `ShortName` in dimension 1).

A month and location without such rows is **not available**, never a margin of 100 %:
`costs_available` is false, the margin columns are NULL and `not_available_reason` says why
(no Visma connection, no cost center in the mapping, or no costs booked on it that month).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from ornd_visma.marts.build import Build, rebuild

COST_ACCOUNTS = range(4000, 9000)


@dataclass(frozen=True)
class CostRow:
    month: date
    cost_center_item: str  # ShortName, dimension 1
    amount: Decimal  # debit − credit
    rows: int


def cost_center_short_names(cost_centers: Iterable[dict]) -> dict[str, str]:
    """Item id (lower case) → ShortName of dimension 1, from `GET /costcenters`."""
    names: dict[str, str] = {}
    for center in cost_centers:
        if center.get("Number") != 1:
            continue
        for item in center.get("Items") or []:
            names[str(item["Id"]).lower()] = item["ShortName"]
    return names


def costs_by_cost_center(vouchers: Iterable[dict], short_names: dict[str, str]) -> list[CostRow]:
    """The cost-account rows of `vouchers` per month and dimension-1 cost-center item."""
    totals: dict[tuple[date, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for voucher in vouchers:
        day = date.fromisoformat(str(voucher["VoucherDate"])[:10])
        for row in voucher.get("Rows") or []:
            account = int(row["AccountNumber"])
            item = row.get("CostCenterItemId1")
            if account not in COST_ACCOUNTS or not item:
                continue
            name = short_names.get(str(item).lower())
            if name is None:
                raise ValueError(
                    f"voucher {voucher.get('Id')}: cost center item {item} is not in dimension 1"
                )
            debit = Decimal(str(row.get("DebitAmount") or 0))
            credit = Decimal(str(row.get("CreditAmount") or 0))
            total = totals[(day.replace(day=1), name)]
            total[0] += debit - credit
            total[1] += 1
    return [CostRow(m, n, amount, rows) for (m, n), (amount, rows) in sorted(totals.items())]


def read_costs(client) -> list[CostRow]:
    """The costs per dimension-1 cost-center item and month in one Visma company, from its
    cost centers and vouchers (`client`: an `ornd_visma.visma.VismaClient`)."""
    names = cost_center_short_names(client.list_all("/costcenters"))
    return costs_by_cost_center(client.list_all("/vouchers"), names)


def location_cost_centers(mapping) -> dict[str, str | None]:
    """Location code → cost-center item, from an `ornd_visma.mapping.Mapping`."""
    return {code: entry.cost_center_item for code, entry in mapping.locations.items()}


@dataclass(frozen=True)
class MarginSummary:
    months: int
    available: int  # location-months with costs
    build: Build


def build_margin(
    conn: duckdb.DuckDBPyConnection,
    cost_centers: dict[str, str | None],
    costs: list[CostRow] | None,
    *,
    unavailable_reason: str = "",
) -> MarginSummary:
    """Rebuild `marts.margin_monthly` from `marts.revenue_monthly` (location rows) and
    `costs`. `cost_centers` maps a location code (or id) to its cost-center item; `costs`
    None means Visma was not read, for `unavailable_reason`."""
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _location_cost_centers "
        "(location_key VARCHAR, cost_center_item VARCHAR)"
    )
    if cost_centers:
        conn.executemany(
            "INSERT INTO _location_cost_centers VALUES (?, ?)", list(cost_centers.items())
        )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _costs "
        "(month DATE, cost_center_item VARCHAR, amount DECIMAL(18, 2), rows INTEGER)"
    )
    if costs:
        conn.executemany(
            "INSERT INTO _costs VALUES (?, ?, ?, ?)",
            [(c.month, c.cost_center_item, c.amount, c.rows) for c in costs],
        )
    built = rebuild(
        conn,
        "margin.sql",
        ["margin_monthly"],
        variables={
            "marts_costs_read": (costs is not None, "BOOLEAN"),
            "marts_unavailable_reason": (
                unavailable_reason or "Visma costs were not read",
                "VARCHAR",
            ),
        },
    )
    ((months, available),) = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE costs_available) FROM marts.margin_monthly"
    ).fetchall()
    return MarginSummary(months, available, built)
