"""The marts against the Visma simulator: costs per cost center read from vouchers, and the
monthly MRR report attached to the month's voucher."""

from datetime import date
from decimal import Decimal
from importlib.resources import files

from ornd_visma.marts.margin import read_costs
from ornd_visma.marts.mrr import build_mrr
from ornd_visma.marts.report import attach_report, month_voucher, report_file_name, report_png
from tests.marts.test_mrr import AS_OF, _history
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


def test_the_monthly_report_is_attached_to_the_months_voucher_once(sim, tmp_path, warehouse):  # noqa: F811
    _history(warehouse)
    build_mrr(warehouse, AS_OF)
    with make_client(sim, tmp_path / "tokens") as visma:
        voucher = visma.post(
            "/vouchers",
            {
                "VoucherDate": "2026-06-30",
                "VoucherText": "Periodisering juni [ornd V-deferred-main-2026-06-abc]",
                "Rows": [
                    {"AccountNumber": 3001, "DebitAmount": 100.0},
                    {"AccountNumber": 2970, "CreditAmount": 100.0},
                ],
            },
        )
        warehouse.execute(files("ornd_visma.posting").joinpath("schema.sql").read_text())
        warehouse.execute(
            "INSERT INTO posting.outbox (outbox_key, kind, entity, document_id, revision, "
            "payload, state, visma_id, created_at, updated_at, confirmed_at) VALUES "
            "('V-1', 'voucher', 'main', 'deferred:main:2026-06', 'r', '{}', 'confirmed', ?, "
            "now(), now(), now())",
            [voucher["Id"]],
        )
        month = date(2026, 6, 1)
        assert month_voucher(warehouse, month, "main") == voucher["Id"]
        assert month_voucher(warehouse, date(2026, 5, 1), "main") is None  # none posted
        png = report_png(warehouse, month)
        assert png.startswith(b"\x89PNG")
        first = attach_report(
            warehouse, visma, month=month, entity="main", voucher_id=voucher["Id"], png=png
        )
        assert (first.uploaded, first.linked) == (True, True)
        assert first.file_name == report_file_name(month, png)
        uploaded = visma.get(f"/attachments/{first.attachment_id}")
        assert (uploaded["FileName"], uploaded["ContentType"]) == (first.file_name, "image/png")
        assert uploaded["DocumentId"] == voucher["Id"] and uploaded["AttachmentStatus"] == 1
        year = visma.list_all("/fiscalyears")
        fiscal_year = next(y["Id"] for y in year if y["StartDate"][:4] == "2026")
        held = visma.get(f"/vouchers/{fiscal_year}/{voucher['Id']}")
        assert held["Attachments"]["AttachmentIds"] == [first.attachment_id]
        # a second run: recorded, so nothing is sent
        again = attach_report(
            warehouse, visma, month=month, entity="main", voucher_id=voucher["Id"], png=png
        )
        assert (again.attachment_id, again.uploaded, again.linked) == (
            first.attachment_id,
            False,
            False,
        )
        # a crash after the upload, before the record: the upload is found, not repeated
        warehouse.execute("DELETE FROM marts.report_attachments")
        recovered = attach_report(
            warehouse, visma, month=month, entity="main", voucher_id=voucher["Id"], png=png
        )
        assert (recovered.attachment_id, recovered.uploaded) == (first.attachment_id, False)
        listed = visma.list_all("/attachments", {"includeMatched": "true"})
        assert [a["FileName"] for a in listed] == [first.file_name]
