"""Valid postings to the Visma simulator and what it computes: invoice totals and VAT from the
article codings (to the öre), sequential invoice numbers, a voucher per booked document,
credit invoices, reverse charge, ledger items with vouchers, cost centers, locked periods."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.sandbox.visma_fixtures import (
    Company,
    Harness,
    data,
    draft_body,
    harness,
    ok,
    row,
    text_row,
    voucher_body,
)

D = Decimal


@pytest.fixture
def sim(tmp_path) -> Iterator[Harness]:
    with harness(tmp_path) as h:
        yield h


@pytest.fixture
def api(sim) -> httpx.Client:
    return sim.client()


@pytest.fixture
def co(api) -> Company:
    return Company(api)


def dec(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return json.loads(response.text, parse_float=Decimal)


def lines(voucher: dict[str, Any]) -> dict[int, tuple[Decimal, Decimal]]:
    out: dict[int, tuple[Decimal, Decimal]] = {}
    for r in voucher["Rows"]:
        debit, credit = out.get(r["AccountNumber"], (D(0), D(0)))
        out[r["AccountNumber"]] = (debit + D(r["DebitAmount"]), credit + D(r["CreditAmount"]))
    return out


def voucher_of(api: httpx.Client, co: Company, invoice: dict[str, Any]) -> dict[str, Any]:
    year = co.years[invoice["InvoiceDate"][:4]]
    return dec(api.get(f"/vouchers/{year}/{invoice['VoucherId']}"), 200)


def test_invoice_totals_and_vat_per_rate_to_the_ore(api, co):
    customer = co.customer()
    a25, a12 = co.article("Tjänster 25 %", price=1234.56), co.article("Tjänster 12 %")
    a6, free = co.article("Tjänster 6 %"), co.article("Hyresintäkter momsfri")
    body = draft_body(
        customer,
        [
            row(a25, 2, 1234.56),
            row(a12, 3, 99.99),
            row(a6, 1, 150.50),
            row(free, 1, 5000),
            text_row("Period juni 2026"),
            row(a25, 1, 1000, DiscountPercentage=0.15),
        ],
    )
    draft = dec(api.post("/customerinvoicedrafts", json=body))
    # net 2469.12 + 299.97 + 150.50 + 5000 + 850.00 = 8769.59
    # VAT 25 %: (2469.12 + 850) * 0.25 = 829.78; 12 %: 36.00 (35.9964); 6 %: 9.03 (9.03)
    assert draft["TotalVatAmount"] == D("874.81")
    assert draft["TotalAmount"] == D("9644.00") and draft["TotalRoundings"] == D("-0.40")
    assert [r["Amount"] for r in draft["Rows"]] == [
        D("2469.12"),
        D("299.97"),
        D("150.5"),
        D("5000"),
        D("0"),
        D("850"),
    ]
    invoice = dec(api.post(f"/customerinvoicedrafts/{draft['Id']}/convert"))
    assert invoice["InvoiceNumber"] == 1 and invoice["CreatedFromDraftId"] == draft["Id"]
    assert invoice["TotalAmountInvoiceCurrency"] == D("9644.00")
    assert invoice["TotalVatAmountInvoiceCurrency"] == D("874.81")
    assert invoice["RemainingAmount"] == D("9644") and invoice["CurrencyCode"] == "SEK"
    spec = {
        D(v["VatPercent"]): (D(v["AmountInvoiceCurrency"]), D(v["VatAmountInvoiceCurrency"]))
        for v in invoice["VatSpecification"]
    }
    assert spec == {
        D("0.25"): (D("3319.12"), D("829.78")),
        D("0.12"): (D("299.97"), D("36")),
        D("0.06"): (D("150.5"), D("9.03")),
        D("0"): (D("5000"), D("0")),
    }
    voucher = voucher_of(api, co, invoice)
    assert voucher["VoucherType"] == 14 and voucher["SourceId"] == invoice["Id"]
    assert voucher["NumberAndNumberSeries"] == invoice["VoucherNumber"] == "B1"
    assert lines(voucher) == {
        1510: (D("9644"), 0),
        3001: (0, D("3319.12")),
        3002: (0, D("299.97")),
        3003: (0, D("150.5")),
        3911: (0, D("5000")),
        2611: (0, D("829.78")),
        2621: (0, D("36")),
        2631: (0, D("9.03")),
        3740: (D("0.4"), 0),
    }
    assert api.get(f"/customerinvoicedrafts/{draft['Id']}").status_code == 404


def test_invoice_numbers_are_sequential_and_each_books_a_voucher(api, co):
    customer, article = co.customer(), co.article(price=100)
    numbers, vouchers = [], set()
    for _ in range(3):
        invoice = ok(api.post("/customerinvoices", json=draft_body(customer, [row(article)])))
        numbers.append(invoice["InvoiceNumber"])
        vouchers.add(invoice["VoucherId"])
    assert numbers == [1, 2, 3] and len(vouchers) == 3
    listed = data(api.get(f"/vouchers/{co.years['2026']}"))
    assert {v["Id"] for v in listed} == vouchers
    assert [v["NumberAndNumberSeries"] for v in listed] == ["B1", "B2", "B3"]


def test_credit_invoice_has_a_negative_total_and_reversed_voucher(api, co):
    customer, article = co.customer(), co.article(price=800)
    body = draft_body(customer, [row(article, -1)], IsCreditInvoice=True)
    invoice = dec(api.post("/customerinvoices", json=body))
    assert invoice["IsCreditInvoice"] is True
    assert invoice["TotalAmount"] == D("-1000") and invoice["TotalVatAmount"] == D("-200")
    voucher = voucher_of(api, co, invoice)
    assert voucher["VoucherType"] == 15
    assert lines(voucher) == {1510: (0, D("1000")), 3001: (D("800"), 0), 2611: (D("200"), 0)}


def test_reverse_charge_for_an_eu_business_and_vat_for_an_eu_consumer(api, co):
    article = co.article("Tjänster 25 %", price=1000)
    business = co.customer(InvoiceCountryCode="DE", VatNumber="DE123456789", CurrencyCode="SEK")
    consumer = co.customer(InvoiceCountryCode="FR", IsPrivatePerson=True)
    abroad = co.customer(InvoiceCountryCode="US")
    rc = dec(api.post("/customerinvoices", json=draft_body(business, [row(article)])))
    assert rc["TotalAmount"] == D("1000") and rc["TotalVatAmount"] == D("0")
    assert lines(voucher_of(api, co, rc)) == {1510: (D("1000"), 0), 3308: (0, D("1000"))}
    b2c = dec(api.post("/customerinvoices", json=draft_body(consumer, [row(article)])))
    assert b2c["TotalAmount"] == D("1250")
    export = dec(api.post("/customerinvoices", json=draft_body(abroad, [row(article)])))
    assert lines(voucher_of(api, co, export)) == {1510: (D("1000"), 0), 3305: (0, D("1000"))}


def test_foreign_currency_invoice_books_in_sek(api, co):
    customer = co.customer(InvoiceCountryCode="DE", VatNumber="DE123456789", CurrencyCode="EUR")
    article = co.article(price=100)
    invoice = dec(
        api.post("/customerinvoices", json=draft_body(customer, [row(article, 1, 100.25)]))
    )
    assert invoice["TotalAmountInvoiceCurrency"] == D("100.25")  # no öresavrundning in EUR
    assert invoice["TotalAmount"] == D("1102.75") and invoice["CurrencyRate"] == D("11")
    assert lines(voucher_of(api, co, invoice)) == {1510: (D("1102.75"), 0), 3308: (0, D("1102.75"))}


def test_convert_checks_the_clients_totals(api, co):
    customer, article = co.customer(), co.article(price=2400)
    first = ok(api.post("/customerinvoicedrafts", json=draft_body(customer, [row(article)])))
    wrong = api.post(
        f"/customerinvoicedrafts/{first['Id']}/convert", json={"TotalAmountInvoiceCurrency": 2999}
    )
    assert wrong.status_code == 400 and wrong.json()["ErrorCode"] == 2000
    right = api.post(
        f"/customerinvoicedrafts/{first['Id']}/convert",
        json={
            "TotalAmountInvoiceCurrency": 3000,
            "TotalVatAmountInvoiceCurrency": 600,
            "TotalRoundingsInvoiceCurrency": 0,
            "Rows": [
                {
                    "LineNumber": 0,
                    "TotalAmountNoVatInvoiceCurrency": 2400,
                    "TotalAmountIncVatInvoiceCurrency": 3000,
                }
            ],
        },
    )
    assert right.status_code == 201 and right.json()["InvoiceNumber"] == 1


def test_unit_price_zero_takes_the_article_price_when_asked(api, co):
    customer, article = co.customer(), co.article(price=640)
    body = draft_body(customer, [row(article, 2, 0)], ReplaceUnitPriceWhenZero=True)
    assert dec(api.post("/customerinvoicedrafts", json=body))["TotalAmount"] == D("1600")


def test_manual_voucher_with_cost_center_and_project(api, co):
    item = co.item(1, "STHLM")
    project = ok(api.post("/projects", json={"Number": "P1", "Name": "Event", "Status": 1}))
    body = voucher_body([(1930, 1250, None), (3001, None, 1000), (2611, None, 250)])
    body["Rows"][1].update(
        {
            "CostCenterItemId1": item["Id"],
            "ProjectId": project["Id"],
            "TransactionText": "Event ticket",
        }
    )
    voucher = dec(api.post("/vouchers", json=body))
    assert voucher["NumberAndNumberSeries"] == "A1" and voucher["VoucherType"] == 2
    assert voucher["VoucherDate"] == "2026-06-10T00:00:00Z"
    revenue = voucher["Rows"][1]
    assert revenue["CostCenterItemId1"] == item["Id"] and revenue["ProjectId"] == project["Id"]
    assert revenue["VatCodeAndPercent"] == "10 (25%)" and revenue["AccountDescription"]
    again = dec(api.get(f"/vouchers/{co.years['2026']}/{voucher['Id']}"), 200)
    assert again["Rows"] == voucher["Rows"]
    ok(
        api.put(f"/projects/{project['Id']}", json={"Number": "P1", "Name": "Event", "Status": 2}),
        200,
    )
    ended = api.post("/vouchers", json=body)
    assert ended.json()["ErrorCode"] == 5005


def test_automatic_vat_calculation_splits_gross_rows(api, co):
    body = voucher_body([(1930, 1250, None), (3001, None, 1250)])
    voucher = dec(api.post("/vouchers", params={"useAutomaticVatCalculation": "true"}, json=body))
    assert lines(voucher) == {1930: (D("1250"), 0), 3001: (0, D("1000")), 2611: (0, D("250"))}


def test_voucher_series_only_with_use_default_voucher_series_false(api, co):
    body = voucher_body([(1930, 10, None), (3001, None, 10)], NumberSeries="K")
    assert ok(api.post("/vouchers", json=body))["NumberAndNumberSeries"] == "A1"
    own = ok(api.post("/vouchers", params={"useDefaultVoucherSeries": "false"}, json=body))
    assert own["NumberAndNumberSeries"] == "K1"


def test_ledger_item_with_voucher_creates_the_rows_given(api, co):
    customer = co.customer()
    item = co.item(1, "GBG")
    body = {
        "CustomerId": customer["Id"],
        "InvoiceNumber": 123,
        "InvoiceDate": "2026-05-25",
        "DueDate": "2026-06-24",
        "CurrencyCode": "SEK",
        "IsCreditInvoice": False,
        "TotalAmountInvoiceCurrency": 3000.00,
        "VATAmountInvoiceCurrency": 600.00,
        "RemainingAmountInvoiceCurrency": 3000.00,
        "RoundingsAmountInvoiceCurrency": 0,
        "Voucher": {
            "VoucherText": "Kundfaktura 123 Acme AB",
            "Rows": [
                {"AccountNumber": 1510, "DebitAmount": 3000.00},
                {"AccountNumber": 3001, "CreditAmount": 2400.00, "CostCenterItemId1": item["Id"]},
                {"AccountNumber": 2611, "CreditAmount": 600.00},
            ],
        },
    }
    led = dec(api.post("/customerledgeritems/customerledgeritemswithvoucher", json=body))
    assert led["InvoiceNumber"] == 123 and led["TotalAmountInvoiceCurrency"] == D("3000")
    assert led["InvoiceDate"] == "2026-05-25T00:00:00Z"
    voucher = dec(api.get(f"/vouchers/{co.years['2026']}/{led['VoucherId']}"), 200)
    assert voucher["VoucherDate"] == "2026-05-25T00:00:00Z"  # from the InvoiceDate
    assert lines(voucher) == {1510: (D("3000"), 0), 3001: (0, D("2400")), 2611: (0, D("600"))}
    assert voucher["Rows"][1]["CostCenterItemId1"] == item["Id"]
    assert data(api.get("/customerledgeritems"))[0]["Id"] == led["Id"]
    same = ok(api.get(f"/customerledgeritems/{led['Id']}"), 200)
    assert same["VoucherId"] == led["VoucherId"]
    assert ok(api.get(f"/customers/{customer['Id']}"), 200)["UnpaidInvoicesAmount"] == 3000
    linked = ok(
        api.post(
            "/customerledgeritems",
            json={
                **{k: v for k, v in body.items() if k != "Voucher"},
                "InvoiceNumber": 124,
                "VoucherId": led["VoucherId"],
            },
        )
    )
    assert linked["VoucherId"] == led["VoucherId"]


def test_credit_ledger_item(api, co):
    customer = co.customer()
    body = {
        "CustomerId": customer["Id"],
        "InvoiceNumber": 9,
        "CurrencyCode": "SEK",
        "IsCreditInvoice": True,
        "TotalAmountInvoiceCurrency": -125.5,
        "RemainingAmountInvoiceCurrency": -125.5,
        "InvoiceDate": "2026-06-01",
        "Voucher": voucher_body(
            [(3001, "100.40", None), (2611, 25.10, None), (1510, None, 125.50)], day="2026-06-01"
        ),
    }
    body["Voucher"]["Rows"][0]["DebitAmount"] = 100.40
    assert (
        api.post("/customerledgeritems/customerledgeritemswithvoucher", json=body).status_code
        == 201
    )


def test_locked_period_gives_4026_and_locked_year_4038(sim, api, co):
    assert sim.admin("POST", "lock-period", {"locked_until": "2026-03-31"}).status_code == 200
    inside = api.post(
        "/vouchers", json=voucher_body([(1930, 5, None), (3001, None, 5)], day="2026-03-31")
    )
    assert inside.status_code == 400 and inside.json()["ErrorCode"] == 4026
    after = api.post(
        "/vouchers", json=voucher_body([(1930, 5, None), (3001, None, 5)], day="2026-04-01")
    )
    assert after.status_code == 201
    customer, article = co.customer(), co.article()
    invoice = api.post(
        "/customerinvoices", json=draft_body(customer, [row(article)], InvoiceDate="2026-02-01")
    )
    assert invoice.json()["ErrorCode"] == 4013
    settings = api.get("/companysettings").json()
    assert settings["AccountingLockedTo"] == "2026-03-31T00:00:00Z"
    ok(api.put(f"/fiscalyears/{co.years['2025']}", json={"IsLockedForAccounting": True}), 200)
    locked = api.post(
        "/vouchers", json=voucher_body([(1930, 5, None), (3001, None, 5)], day="2025-12-31")
    )
    assert locked.json()["ErrorCode"] == 4038


def test_duplicate_customer_number_4000_and_automatic_numbers(api, co):
    first = co.customer(CustomerNumber=None)
    second = co.customer(CustomerNumber=None)
    assert (first["CustomerNumber"], second["CustomerNumber"]) == ("1", "2")
    duplicate = api.post("/customers", json=co.customer_body(CustomerNumber="1"))
    assert duplicate.status_code == 400 and duplicate.json()["ErrorCode"] == 4000


def test_customer_update_delete_and_terms(api, co):
    customer = co.customer(EmailAddress="a@example.com")
    assert customer["TermsOfPayment"]["NumberOfDays"] == 30
    updated = ok(
        api.put(
            f"/customers/{customer['Id']}",
            json={
                "Name": "Nytt Namn AB",
                "InvoiceCity": "Malmö",
                "InvoicePostalCode": "21111",
                "IsActive": False,
                "IsPrivatePerson": False,
                "TermsOfPaymentId": co.terms,
            },
        ),
        200,
    )
    assert updated["Name"] == "Nytt Namn AB" and updated["EmailAddress"] == "a@example.com"
    assert updated["CustomerNumber"] == customer["CustomerNumber"]
    other = co.customer()
    ok(api.post("/customerinvoices", json=draft_body(other, [row(co.article())])))
    refused = api.delete(f"/customers/{other['Id']}")
    assert refused.status_code == 400 and refused.json()["ErrorCode"] == 4001
    assert api.delete(f"/customers/{customer['Id']}").status_code == 200
    assert api.get(f"/customers/{customer['Id']}").status_code == 404


def test_cost_centers_come_with_their_items(api, co):
    centers = data(api.get("/costcenters"))
    assert [c["Number"] for c in centers] == [1, 2, 3] and all(not c["Items"] for c in centers)
    item = co.item(1, "STHLM")
    dup = api.post(
        "/costcenteritems",
        json={
            "CostCenterId": co.centers[1],
            "Name": "Again",
            "ShortName": "STHLM",
            "IsActive": True,
        },
    )
    assert dup.json()["ErrorCode"] == 4000
    listed = data(api.get("/costcenters"))[0]["Items"]
    assert [i["Id"] for i in listed] == [item["Id"]]
    off = ok(api.put(f"/costcenteritems/{item['Id']}", json={**item, "IsActive": False}), 200)
    assert off["IsActive"] is False
    body = draft_body(co.customer(), [row(co.article(), CostCenterItemId1=item["Id"])])
    assert api.post("/customerinvoices", json=body).json()["ErrorCode"] == 5006


def test_seed_has_the_bas_accounts_and_vat_codes(api, co):
    numbers = {
        int(a["Number"])
        for a in data(api.get(f"/accounts/{co.years['2026']}", params={"$pagesize": 500}))
    }
    for needed in (
        1510,
        1511,
        1790,
        2611,
        2613,
        2614,
        2621,
        2631,
        2650,
        2970,
        2971,
        2972,
        2979,
        2990,
        3001,
        3002,
        3003,
        3004,
        3308,
        3740,
        3910,
        3911,
        3913,
        3914,
    ):
        assert needed in numbers
    rates = {v["Code"]: v["VatRate"] for v in data(api.get("/vatcodes"))}
    assert {rates["10"], rates["11"], rates["12"], rates["00"]} == {0.25, 0.12, 0.06, 0}
    assert "42" in rates and "39" in rates  # exempt, reverse charge
    years = sorted(y["StartDate"][:4] for y in data(api.get("/fiscalyears")))
    assert years == ["2024", "2025", "2026", "2027"]
    one = ok(api.get(f"/accounts/{co.years['2026']}/3001"), 200)
    assert one["Name"].startswith("Försäljning inom Sverige")
    assert ok(api.get("/companysettings"), 200)["CurrencyCode"] == "SEK"


def test_attachment_links_to_an_existing_voucher(api, co):
    voucher = ok(api.post("/vouchers", json=voucher_body([(1930, 10, None), (3001, None, 10)])))
    first, second = (
        ok(
            api.post(
                "/attachments",
                json={"ContentType": "image/png", "FileName": name, "Data": "iVBORw0KGgo="},
            )
        )
        for name in ("a.png", "b.png")
    )
    link = {"DocumentId": voucher["Id"], "DocumentType": 3, "AttachmentIds": [first["Id"]]}
    assert ok(api.post("/attachmentlinks", json=link), 200)["AttachmentIds"] == [first["Id"]]
    ok(api.post("/attachmentlinks", json={**link, "AttachmentIds": [second["Id"]]}), 200)
    year = co.years["2026"]
    held = ok(api.get(f"/vouchers/{year}/{voucher['Id']}"), 200)
    assert held["Attachments"]["AttachmentIds"] == [first["Id"], second["Id"]]
    linked = ok(api.get(f"/attachments/{first['Id']}"), 200)
    assert linked["DocumentId"] == voucher["Id"] and linked["AttachmentStatus"] == 1
    # Linked elsewhere already: 4000; an unknown voucher: 3000; an unsimulated type: 2000.
    other = ok(api.post("/vouchers", json=voucher_body([(1930, 5, None), (3001, None, 5)])))
    again = api.post("/attachmentlinks", json={**link, "DocumentId": other["Id"]})
    assert again.status_code == 400 and again.json()["ErrorCode"] == 4000
    unknown = api.post(
        "/attachmentlinks", json={**link, "DocumentId": "00000000-0000-0000-0000-000000000000"}
    )
    assert unknown.status_code == 400 and unknown.json()["ErrorCode"] == 3000
    receipt = api.post("/attachmentlinks", json={**link, "DocumentType": 2})
    assert receipt.status_code == 400 and receipt.json()["ErrorCode"] == 2000
    # Unlinking frees the attachment and takes it off the voucher.
    assert api.delete(f"/attachmentlinks/{first['Id']}").status_code == 200
    held = ok(api.get(f"/vouchers/{year}/{voucher['Id']}"), 200)
    assert held["Attachments"]["AttachmentIds"] == [second["Id"]]
    assert ok(api.get(f"/attachments/{first['Id']}"), 200)["AttachmentStatus"] == 0


def test_attachments_and_partner_links(api, co):
    attachment = ok(
        api.post(
            "/attachments",
            json={"ContentType": "application/pdf", "FileName": "inv.pdf", "Data": "JVBERi0xLjQK"},
        )
    )
    assert attachment["AttachmentStatus"] == 0
    body = voucher_body(
        [(1930, 10, None), (3001, None, 10)],
        Attachments={"DocumentType": 3, "AttachmentIds": [attachment["Id"]]},
    )
    voucher = ok(api.post("/vouchers", json=body))
    assert voucher["Attachments"]["AttachmentIds"] == [attachment["Id"]]
    linked = ok(api.get(f"/attachments/{attachment['Id']}"), 200)
    assert linked["DocumentId"] == voucher["Id"] and linked["AttachmentStatus"] == 1
    assert data(api.get("/attachments")) == []
    customer = co.customer()
    link = ok(
        api.post(
            "/partnerresourcelinks",
            json={
                "ResourceId": customer["Id"],
                "ResourceType": 1,
                "Href": "https://ornd.example/m/1",
                "PartnerCompanyName": "Coworking",
                "PartnerSystemName": "OfficeRnD",
            },
        )
    )
    assert data(api.get("/partnerresourcelinks"))[0]["Id"] == link["Id"]
    assert api.delete(f"/partnerresourcelinks/{link['Id']}").status_code == 200


def test_what_get_answers_can_be_put_back(api, co):
    customer = co.customer()
    fetched = api.get(f"/customers/{customer['Id']}").json()
    assert (
        ok(api.put(f"/customers/{customer['Id']}", json=fetched), 200)["Name"] == customer["Name"]
    )
    article = co.article(price=10)
    fetched = api.get(f"/articles/{article['Id']}").json()
    assert ok(api.put(f"/articles/{article['Id']}", json=fetched), 200)["NetPrice"] == 10
    draft = ok(
        api.post(
            "/customerinvoicedrafts", json=draft_body(customer, [row(article), text_row("Note")])
        )
    )
    fetched = api.get(f"/customerinvoicedrafts/{draft['Id']}").json()
    again = dec(api.put(f"/customerinvoicedrafts/{draft['Id']}", json=fetched), 200)
    assert again["TotalAmount"] == D("13") and len(again["Rows"]) == 2


def test_use_default_vat_codes_false_books_a_row_without_a_code_without_one(api, co):
    # a deferral-like voucher: debit 3001 1000.00, credit 2970 1000.00
    body = voucher_body([(3001, 1000, None), (2970, None, 1000)], day="2026-05-31")
    default = dec(api.post("/vouchers", json=body))
    assert default["Rows"][0]["VatCodeAndPercent"] == "10 (25%)"  # 3001's own code
    none = dec(api.post("/vouchers", params={"useDefaultVatCodes": "false"}, json=body))
    assert [r["VatCodeId"] for r in none["Rows"]] == [None, None]
    assert [r["VatCodeAndPercent"] for r in none["Rows"]] == [None, None]
    # a code named on the row is kept (and must exist)
    code_10 = default["Rows"][0]["VatCodeId"]
    body["Rows"][0]["VatCodeId"] = code_10
    named = dec(api.post("/vouchers", params={"useDefaultVatCodes": "false"}, json=body))
    assert [r["VatCodeId"] for r in named["Rows"]] == [code_10, None]
    body["Rows"][0]["VatCodeId"] = "00000000-0000-0000-0000-000000000001"
    unknown = api.post("/vouchers", params={"useDefaultVatCodes": "false"}, json=body)
    assert unknown.status_code == 400 and unknown.json()["ErrorCode"] == 3000
