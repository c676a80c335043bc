"""Persistence of the Visma simulator across a restart, and `inspect_state` computed from the
persisted state alone (totals per account, cost center item and VAT code, to the öre)."""

import json
from decimal import Decimal

import httpx

from ornd_visma.sandbox.visma import inspect_state
from tests.sandbox.visma_fixtures import Company, data, draft_body, harness, ok, row, voucher_body

D = Decimal


def test_a_restart_keeps_everything_accepted(tmp_path):
    with harness(tmp_path) as sim:
        api = sim.client()
        company = Company(api)
        customer = company.customer(CustomerNumber="KEEP-1")
        article = company.article(price=100)
        item = company.item(1, "STHLM")
        invoice = ok(api.post("/customerinvoices", json=draft_body(customer, [row(article)])))
        voucher = ok(api.post("/vouchers", json=voucher_body([(1930, 10, None), (3001, None, 10)])))
        sim.admin("POST", "lock-period", {"locked_until": "2026-01-31"})
        refused = api.post("/customers", json=company.customer_body(Name=None))
        assert refused.status_code == 400
    with harness(tmp_path) as sim:
        api = sim.client()
        company = Company(api)
        customers = data(api.get("/customers"))
        assert [c["CustomerNumber"] for c in customers] == ["KEEP-1"]
        assert ok(api.get(f"/customerinvoices/{invoice['Id']}"), 200)["InvoiceNumber"] == 1
        year = company.years["2026"]
        assert ok(api.get(f"/vouchers/{year}/{voucher['Id']}"), 200)["Rows"] == voucher["Rows"]
        assert data(api.get("/costcenters"))[0]["Items"][0]["Id"] == item["Id"]
        assert api.get("/companysettings").json()["AccountingLockedTo"].startswith("2026-01-31")
        # counters continue: next invoice 2, next manual voucher A2
        second = ok(api.post("/customerinvoices", json=draft_body(customer, [row(article)])))
        assert second["InvoiceNumber"] == 2
        again = ok(api.post("/vouchers", json=voucher_body([(1930, 10, None), (3001, None, 10)])))
        assert again["NumberAndNumberSeries"] == "A2"
        # the seed is not duplicated
        assert len(data(api.get("/fiscalyears"))) == 4
        assert len(data(api.get("/termsofpayments"))) == 7


def test_inspect_state_totals(tmp_path):
    with harness(tmp_path) as sim:
        api = sim.client()
        company = Company(api)
        sthlm, gbg = company.item(1, "STHLM"), company.item(1, "GBG")
        customer = company.customer()
        a25, a12 = company.article("Tjänster 25 %"), company.article("Tjänster 12 %")
        ok(
            api.post(
                "/customerinvoices",
                json=draft_body(
                    customer,
                    [
                        row(a25, 1, 1000, CostCenterItemId1=sthlm["Id"]),
                        row(a12, 1, 200.50, CostCenterItemId1=gbg["Id"]),
                    ],
                ),
            )
        )
        # 1000 + 250 + 200.50 + 24.06 = 1474.56 -> 1475.00, rounding 0.44
        ok(
            api.post(
                "/customerledgeritems/customerledgeritemswithvoucher",
                json={
                    "CustomerId": customer["Id"],
                    "InvoiceNumber": 77,
                    "CurrencyCode": "SEK",
                    "IsCreditInvoice": False,
                    "TotalAmountInvoiceCurrency": 625,
                    "RemainingAmountInvoiceCurrency": 625,
                    "InvoiceDate": "2026-06-11",
                    "Voucher": {
                        "VoucherText": "OfficeRnD 77",
                        "Rows": [
                            {"AccountNumber": 1510, "DebitAmount": 625},
                            {
                                "AccountNumber": 3001,
                                "CreditAmount": 500,
                                "CostCenterItemId1": gbg["Id"],
                            },
                            {"AccountNumber": 2611, "CreditAmount": 125},
                        ],
                    },
                },
            )
        )
        live = sim.admin("GET", "state").json()
    state = json.loads(json.dumps(inspect_state(tmp_path)), parse_float=Decimal)
    assert state["totals"] == json.loads(json.dumps(live["totals"]), parse_float=Decimal)
    assert state["counts"]["customers"] == 1 and state["counts"]["invoices"] == 1
    assert len(state["ledger_items"]) == 1 and len(state["vouchers"]) == 2
    accounts = state["totals"]["accounts"]
    assert accounts["1510"]["debit"] == D("2100") and accounts["1510"]["balance"] == D("2100")
    assert accounts["3001"]["credit"] == D("1500") and accounts["3002"]["credit"] == D("200.5")
    assert accounts["2611"]["credit"] == D("375") and accounts["2621"]["credit"] == D("24.06")
    assert accounts["3740"]["credit"] == D("0.44")
    items = state["totals"]["cost_center_items"]
    assert items[sthlm["Id"]]["credit"] == D("1000") and items[sthlm["Id"]]["cost_center"] == 1
    assert items[gbg["Id"]]["credit"] == D("700.5") and items[gbg["Id"]]["short_name"] == "GBG"
    vat = state["totals"]["vat_codes"]
    assert (vat["10"]["base"], vat["10"]["vat"]) == (D("1500"), D("375"))
    assert (vat["11"]["base"], vat["11"]["vat"]) == (D("200.5"), D("24.06"))
    assert state["totals"]["balanced"] is True
    assert state["totals"]["debit"] == state["totals"]["credit"] == D("2100")


def test_inspect_state_of_an_empty_directory(tmp_path):
    state = inspect_state(tmp_path)
    assert state["customers"] == [] and state["totals"]["accounts"] == {}


def test_inspect_state_while_the_server_runs(tmp_path):
    with harness(tmp_path) as sim:
        api = sim.client()
        Company(api).customer(CustomerNumber="LIVE")
        state = inspect_state(tmp_path)
        assert [c["CustomerNumber"] for c in state["customers"]] == ["LIVE"]
        assert isinstance(httpx.get(f"{sim.url}/_sandbox/stats").json()["total"], int)


def test_inspect_state_per_month_and_vat_code(tmp_path):
    with harness(tmp_path) as sim:
        api = sim.client()
        # May: a sale of 1000.00 on 3001 (code 10) with 250.00 VAT on 2611
        sale = voucher_body(
            [(1510, 1250, None), (3001, None, 1000), (2611, None, 250)], "2026-05-10"
        )
        ok(api.post("/vouchers", json=sale))
        # its deferral to June without VAT codes: debit 3001 / credit 2970 1000.00 on 31 May,
        # the release on 1 June the other way
        deferral = voucher_body([(3001, 1000, None), (2970, None, 1000)], "2026-05-31")
        release = voucher_body([(2970, 1000, None), (3001, None, 1000)], "2026-06-01")
        for body in (deferral, release):
            ok(api.post("/vouchers", params={"useDefaultVatCodes": "false"}, json=body))
        # and a June voucher posted with the default flags: 3001 takes code 10
        june = voucher_body([(1930, 400, None), (3001, None, 400)], "2026-06-20")
        ok(api.post("/vouchers", json=june))
    totals = json.loads(json.dumps(inspect_state(tmp_path)), parse_float=Decimal)["totals"]
    # the VAT return's view: May base 1000.00 and VAT 250.00 from the sale (the deferral has
    # no code); June base 400.00 (the default-flag voucher), VAT 0
    assert totals["vat_codes_by_month"] == {
        "2026-05": {"10": {"base": D("1000"), "vat": D("250")}},
        "2026-06": {"10": {"base": D("400"), "vat": D("0")}},
    }
    # revenue by period: May 3001 credit 1000 - debit 1000 = 0; June 1000 + 400 = 1400
    months = totals["accounts_by_month"]
    assert months["2026-05"]["3001"]["balance"] == D("0")
    assert months["2026-06"]["3001"]["balance"] == D("-1400")
    assert months["2026-05"]["2970"]["balance"] == D("-1000")
    assert months["2026-06"]["2970"]["balance"] == D("1000")
