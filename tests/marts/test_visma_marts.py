"""The marts against the Visma simulator: costs per cost center read from vouchers."""

from datetime import date
from decimal import Decimal

from ornd_visma.marts.margin import read_costs
from tests.posting.conftest import client, make_client, sim  # noqa: F401  (fixtures)


def _item(client, short_name: str) -> str:  # noqa: F811
    centers = client.list_all("/costcenters")
    first = next(c for c in centers if c["Number"] == 1)
    created = client.post(
        "/costcenteritems",
        {
            "CostCenterId": first["Id"],
            "Name": short_name,
            "ShortName": short_name,
            "IsActive": True,
        },
    )
    return created["Id"]


def test_costs_are_read_per_cost_center_from_vouchers(client):  # noqa: F811
    sth = _item(client, "STH")
    client.post(
        "/vouchers",
        {
            "VoucherDate": "2026-06-10",
            "VoucherText": "Hyra juni STH",
            "Rows": [
                {"AccountNumber": 5010, "DebitAmount": 12000.0, "CostCenterItemId1": sth},
                {"AccountNumber": 2641, "DebitAmount": 3000.0},
                {"AccountNumber": 1930, "CreditAmount": 15000.0},
            ],
        },
    )
    costs = read_costs(client)
    assert [(c.month, c.cost_center_item, c.amount, c.rows) for c in costs] == [
        (date(2026, 6, 1), "STH", Decimal("12000"), 1)  # VAT and bank rows are not costs
    ]
