"""Every answer of the Visma simulator conforms to the response schemas of Visma's OpenAPI
document (types, formats, lengths, precision), checked with the same validator as requests."""

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from ornd_visma.sandbox.visma import spec
from tests.sandbox.visma_fixtures import (
    Company,
    Harness,
    draft_body,
    harness,
    ok,
    row,
    text_row,
    voucher_body,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Harness, httpx.Client, Company]]:
    with harness(tmp_path_factory.mktemp("visma-contract")) as sim:
        api = sim.client()
        co = Company(api)
        item = co.item(1, "STHLM")
        customer = co.customer(EmailAddress="a@example.com", InvoiceCountryCode="SE")
        article = co.article(price=99.5)
        ok(
            api.post(
                "/projects",
                json={"Number": "P1", "Name": "Event", "Status": 1, "CustomerId": customer["Id"]},
            )
        )
        ok(
            api.post(
                "/customerinvoicedrafts",
                json=draft_body(
                    customer, [row(article, 2, CostCenterItemId1=item["Id"]), text_row("x")]
                ),
            )
        )
        ok(api.post("/customerinvoices", json=draft_body(customer, [row(article)])))
        ok(api.post("/vouchers", json=voucher_body([(1930, 10, None), (3001, None, 10)])))
        ok(
            api.post(
                "/customerledgeritems/customerledgeritemswithvoucher",
                json={
                    "CustomerId": customer["Id"],
                    "InvoiceNumber": 5,
                    "CurrencyCode": "SEK",
                    "IsCreditInvoice": False,
                    "TotalAmountInvoiceCurrency": 10,
                    "RemainingAmountInvoiceCurrency": 10,
                    "Voucher": voucher_body([(1510, 10, None), (3001, None, 10)]),
                },
            )
        )
        ok(
            api.post(
                "/attachments",
                json={"ContentType": "image/png", "FileName": "a.png", "Data": "iVBORw0KGgo="},
            )
        )
        ok(
            api.post(
                "/partnerresourcelinks",
                json={
                    "ResourceId": customer["Id"],
                    "ResourceType": 1,
                    "Href": "https://x.example",
                    "PartnerCompanyName": "Co",
                    "PartnerSystemName": "ORND",
                },
            )
        )
        yield sim, api, co


LISTS = [
    "/customers",
    "/articles",
    "/articleaccountcodings",
    "/units",
    "/termsofpayments",
    "/fiscalyears",
    "/accounts",
    "/vatcodes",
    "/costcenters",
    "/projects",
    "/customerinvoicedrafts",
    "/customerinvoices",
    "/customerledgeritems",
    "/vouchers",
    "/attachments",
    "/partnerresourcelinks",
]


def check(name: str, value: object) -> None:
    errors = list(spec._validator(name).iter_errors(value))
    assert not errors, [(list(e.absolute_path), e.message) for e in errors[:5]]


@pytest.mark.parametrize("path", LISTS)
def test_list_answers_match_the_document(world, path):
    _, api, _ = world
    response = api.get(path, params={"$pagesize": 200})
    assert response.status_code == 200, response.text
    body = json.loads(response.text, parse_float=Decimal)
    check(spec.response_schema_name("get", path), body)
    assert body["Data"], path
    for item in body["Data"]:
        one = spec.list_item_schema_name("get", path)
        check(one, item)


def test_single_answers_match_the_document(world):
    _, api, co = world
    company = json.loads(api.get("/companysettings").text, parse_float=Decimal)
    check("CompanySettingsApi", company)
    year = co.years["2026"]
    check("AccountApi", json.loads(api.get(f"/accounts/{year}/1510").text, parse_float=Decimal))
    unknown = api.get("/suppliers")
    assert unknown.status_code == 404 and unknown.json()["ErrorCode"] == 3000
