"""Lists of the Visma simulator: `{Meta, Data}`, `$page`/`$pagesize`, OData `$filter` (each
operator, functions, DateTime literals), `$orderby`, and 6000/6001 for bad queries."""

from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.visma_fixtures import Company, Harness, harness

NAMES = [
    "Alfa AB",
    "Beta Bageri AB",
    "Gamma AB",
    "Delta Bakery Ltd",
    "Epsilon AB",
    "Zeta O'Neil AB",
    "Eta AB",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Harness, httpx.Client, list[dict]]]:
    with harness(tmp_path_factory.mktemp("visma-lists")) as sim:
        api = sim.client()
        company = Company(api)
        customers = []
        for index, name in enumerate(NAMES):
            customers.append(
                company.customer(
                    Name=name,
                    CustomerNumber=f"{13 + index * 10}",
                    IsActive=index != 2,
                    IsPrivatePerson=index == 4,
                )
            )
            sim.advance(300)  # distinct ChangedUtc: 09:00, 09:05, ... 09:30 on 2026-06-15
        yield sim, api, customers


def names(api: httpx.Client, **params: str) -> list[str]:
    response = api.get("/customers", params=params)
    assert response.status_code == 200, response.text
    return [c["Name"] for c in response.json()["Data"]]


def test_envelope_and_paging(world):
    _, api, _ = world
    first = api.get("/customers", params={"$pagesize": 3}).json()
    meta = first["Meta"]
    assert set(meta) == {
        "CurrentPage",
        "PageSize",
        "TotalNumberOfPages",
        "TotalNumberOfResults",
        "ServerTimeUtc",
    }
    assert (
        meta["CurrentPage"],
        meta["PageSize"],
        meta["TotalNumberOfPages"],
        meta["TotalNumberOfResults"],
    ) == (1, 3, 3, 7)
    assert meta["ServerTimeUtc"].endswith("Z")
    assert names(api, **{"$pagesize": "3", "$page": "3"}) == ["Eta AB"]
    assert names(api, **{"$pagesize": "3", "$page": "4"}) == []
    seen = []
    for page in (1, 2, 3):
        seen += names(api, **{"$pagesize": "3", "$page": str(page)})
    assert seen == NAMES
    default = api.get("/customers").json()["Meta"]
    assert (default["PageSize"], default["CurrentPage"]) == (50, 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Name eq 'Gamma AB'", ["Gamma AB"]),
        ("Name ne 'Gamma AB'", [n for n in NAMES if n != "Gamma AB"]),
        ("CustomerNumber gt '43'", ["Epsilon AB", "Zeta O'Neil AB", "Eta AB"]),
        ("CustomerNumber ge '43'", ["Delta Bakery Ltd", "Epsilon AB", "Zeta O'Neil AB", "Eta AB"]),
        ("CustomerNumber lt '23'", ["Alfa AB"]),
        ("CustomerNumber le '23'", ["Alfa AB", "Beta Bageri AB"]),
        ("IsActive eq false", ["Gamma AB"]),
        ("IsActive eq true and IsPrivatePerson eq true", ["Epsilon AB"]),
        ("Name eq 'Alfa AB' or Name eq 'Eta AB'", ["Alfa AB", "Eta AB"]),
        ("not (IsActive eq true)", ["Gamma AB"]),
        ("startswith(Name,'Be')", ["Beta Bageri AB"]),
        ("endswith(Name, 'Ltd')", ["Delta Bakery Ltd"]),
        ("contains(Name,'Ba')", ["Beta Bageri AB", "Delta Bakery Ltd"]),
        ("Name eq 'Zeta O''Neil AB'", ["Zeta O'Neil AB"]),
        ("length(Name) gt 14", ["Delta Bakery Ltd"]),
        ("tolower(Name) eq 'eta ab'", ["Eta AB"]),
        ("ChangedUtc gt 2026-06-15T09:17:00.00Z", ["Epsilon AB", "Zeta O'Neil AB", "Eta AB"]),
        ("ChangedUtc le 2026-06-15T09:05:59Z", ["Alfa AB", "Beta Bageri AB"]),
        ("ChangedUtc lt 2026-06-15", []),
        ("year(ChangedUtc) eq 2026 and minute(ChangedUtc) eq 0", ["Alfa AB"]),
        ("hour(ChangedUtc) eq 9 and minute(ChangedUtc) ge 30", ["Eta AB"]),
        (
            "UnpaidInvoicesAmount eq 0 and (startswith(CustomerNumber,'1') or "
            "startswith(CustomerNumber,'2'))",
            ["Alfa AB", "Beta Bageri AB"],
        ),
    ],
)
def test_filter(world, query, expected):
    _, api, _ = world
    assert names(api, **{"$filter": query}) == expected


def test_filter_on_guid_and_null(world):
    _, api, customers = world
    target = customers[3]["Id"]
    assert names(api, **{"$filter": f"Id eq {target}"}) == [NAMES[3]]
    assert names(api, **{"$filter": f"Id eq '{target.upper()}'"}) == [NAMES[3]]
    assert len(names(api, **{"$filter": "VatNumber eq null"})) == 7


def test_orderby(world):
    _, api, _ = world
    assert names(api, **{"$orderby": "Name desc", "$pagesize": "2"}) == [
        "Zeta O'Neil AB",
        "Gamma AB",
    ]
    ordered = names(api, **{"$orderby": "IsActive asc, CustomerNumber desc"})
    assert ordered[0] == "Gamma AB" and ordered[1] == "Eta AB"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"$filter": "Name eq"}, 6000),
        ({"$filter": "Nonexistent eq 1"}, 6000),
        ({"$filter": "Name eq 5"}, 6000),
        ({"$filter": "IsActive eq 'yes'"}, 6000),
        ({"$filter": "Name eq 'x' and"}, 6000),
        ({"$filter": "frobnicate(Name)"}, 6000),
        ({"$filter": "(Name eq 'x'"}, 6000),
        ({"$filter": "Name"}, 6000),
        ({"$filter": "Name eq 'unterminated"}, 6000),
        ({"$filter": "ChangedUtc gt 2026-13-45T00:00:00Z"}, 6001),
        ({"$orderby": "Nonexistent"}, 6000),
        ({"$orderby": "Name sideways"}, 6000),
        ({"$page": "0"}, 6000),
        ({"$pagesize": "many"}, 6000),
    ],
)
def test_bad_queries(world, params, code):
    _, api, _ = world
    response = api.get("/customers", params=params)
    assert response.status_code == 400
    assert response.json()["ErrorCode"] == code


def test_filter_on_other_lists(world):
    _, api, _ = world
    accounts = api.get("/accounts", params={"$filter": "startswith(Number,'26')"}).json()
    assert {a["Number"] for a in accounts["Data"]} >= {"2611", "2621", "2631", "2650"}
    codes = api.get("/vatcodes", params={"$filter": "VatRate gt 0.1 and VatRate lt 0.2"}).json()
    assert [c["Code"] for c in codes["Data"]] == ["11"]
