"""Every answer of the Visma simulator conforms to the response schemas of Visma's OpenAPI
document (types, formats, lengths, precision), checked with the same validator as requests."""

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from ornd_visma.sandbox.visma import spec
from tests.sandbox.visma_fixtures import Company, Harness, harness, populate


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Harness, httpx.Client, Company]]:
    with harness(tmp_path_factory.mktemp("visma-contract")) as sim:
        api = sim.client()
        yield sim, api, populate(api).company


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
