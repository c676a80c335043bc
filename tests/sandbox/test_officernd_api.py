"""The OfficeRnD simulator's API over real HTTP: tokens, errors, paging, filters, sorting."""

import base64
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ornd_visma.officernd.collections import ALL_READ_SCOPES, BY_NAME
from ornd_visma.sandbox.dataset import write_dataset
from ornd_visma.sandbox.officernd import OfficeRnDOptions, Simulator, create_officernd_app
from ornd_visma.sandbox.server import running

TODAY = datetime(2025, 7, 1, tzinfo=UTC)
API = "/api/v2/organizations/sandbox"
STATUSES = ("active", "former", "pending")
UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized access", "error": "Unauthorized"}


def oid(n: int) -> str:
    return f"{0x650000000000000000000000 + n:024x}"


def stamp(day: int) -> str:
    return (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


def make_members() -> list[dict]:
    members = [
        {
            "_id": oid(i),
            "name": f"Member {(i * 37) % 123:03d}",
            "email": f"m{i}@example.com",
            "status": STATUSES[i % 3],
            "location": oid(900 + i % 2),
            "properties": {"tier": "gold" if i % 4 == 0 else "silver"},
            "createdAt": stamp(i % 30),
            "modifiedAt": stamp((i * 7) % 150),
        }
        for i in range(123)
    ]
    # A duplicated _id, planted on purpose: both copies must be served.
    members.append({**members[7], "name": "Member duplicate"})
    return members


def make_payments() -> list[dict]:
    payments = []
    for i in range(60):
        payments.append(
            {
                "_id": oid(2000 + i),
                "number": f"INV-{i:04d}",
                "documentType": "creditNote" if i % 5 == 0 else "invoice",
                "status": ("paid", "pending", "voided")[i % 3],
                "date": stamp(i),
                "dueDate": stamp(i + 30),
                "modifiedAt": stamp(100 + i),
                "createdAt": stamp(i),
            }
        )
    del payments[10]["dueDate"]
    payments[11]["dueDate"] = "not-a-date"
    return payments


DATASET = {
    "members": make_members(),
    "payments": make_payments(),
    "bookings": [
        {"_id": oid(3000 + i), "start": f"2025-03-{1 + i:02d}T09:00:00.000Z"} for i in range(10)
    ],
    "memberships": [{"_id": oid(4000 + i), "member": oid(i)} for i in range(5)],
    "assignments": [
        {"_id": oid(5000 + i), "resource": oid(5100 + i % 2), "membership": oid(4000 + i)}
        for i in range(4)
    ],
    "locations": [
        {"_id": oid(900), "name": "Gamla stan", "isOpen": True},
        {"_id": oid(901), "name": "Södermalm", "isOpen": False},
    ],
}


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    write_dataset(tmp_path / "dataset", DATASET, [])
    return tmp_path / "dataset"


@contextmanager
def serve(dataset: Path, **options) -> Iterator[tuple[httpx.Client, Simulator]]:
    app = create_officernd_app(
        dataset, dataset.parent / "state", OfficeRnDOptions(today=TODAY, **options)
    )
    with running(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        yield client, app.state.simulator


def grant(client: httpx.Client, scope: str = " ".join(ALL_READ_SCOPES), **form) -> httpx.Response:
    body = {"grant_type": "client_credentials", "client_id": "sandbox"}
    body |= {"client_secret": "sandbox", "scope": scope, **form}
    return client.post("/oauth/token", data=body)


def bearer(client: httpx.Client, scope: str = " ".join(ALL_READ_SCOPES)) -> dict[str, str]:
    return {"Authorization": f"Bearer {grant(client, scope).json()['access_token']}"}


@pytest.fixture
def api(dataset: Path) -> Iterator[tuple[httpx.Client, Simulator]]:
    """A client that sends a valid all-scopes token on every request."""
    with serve(dataset) as (client, sim):
        client.headers.update(bearer(client))
        yield client, sim


def walk(client: httpx.Client, path: str, **params) -> list[dict]:
    """Every page of a list, following cursorNext; checks the ranges are contiguous."""
    pages, cursor, expected_start = [], None, 1
    while True:
        query = dict(params, **({"$cursorNext": cursor} if cursor else {}))
        body = client.get(f"{API}/{path}", params=query).json()
        assert body["rangeStart"] == expected_start
        assert body["rangeEnd"] == expected_start + len(body["results"]) - 1
        assert ("cursorPrev" in body) == (expected_start > 1)
        expected_start = body["rangeEnd"] + 1
        pages.append(body)
        cursor = body.get("cursorNext")
        if cursor is None:
            return pages


def results(pages: list[dict]) -> list[dict]:
    return [record for page in pages for record in page["results"]]


# Tokens


def test_token_is_issued_with_requested_scopes(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        response = grant(client, "flex.community.members.read flex.billing.payments.read")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        body = response.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
        assert body["scope"] == "flex.community.members.read flex.billing.payments.read"
        assert len(body["access_token"]) >= 32


def test_token_refusals(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        bad_secret = grant(client, client_secret="nope")
        assert (bad_secret.status_code, bad_secret.json()) == (401, {"error": "invalid_client"})
        bad_grant = grant(client, grant_type="password")
        assert (bad_grant.status_code, bad_grant.json()) == (
            400,
            {"error": "unsupported_grant_type"},
        )
        bad_scope = grant(client, "flex.community.members.read flex.community.members.create")
        assert (bad_scope.status_code, bad_scope.json()) == (400, {"error": "invalid_scope"})


def test_token_expires_after_an_hour_of_simulated_time(dataset: Path) -> None:
    with serve(dataset) as (client, sim):
        headers = bearer(client)
        sim.store.advance_clock(3590)
        assert client.get(f"{API}/members/count", headers=headers).status_code == 200
        sim.store.advance_clock(11)
        expired = client.get(f"{API}/members/count", headers=headers)
        assert (expired.status_code, expired.json()) == (401, UNAUTHORIZED)


def test_token_endpoint_allows_five_per_minute_failed_or_not(dataset: Path) -> None:
    with serve(dataset) as (client, sim):
        assert grant(client, client_secret="nope").status_code == 401
        assert grant(client, grant_type="password").status_code == 400
        assert all(grant(client).status_code == 200 for _ in range(3))
        refused = grant(client)
        assert refused.status_code == 429
        assert refused.json() == {"message": "Too many requests, please try again later"}
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        sim.store.advance_clock(60)
        assert grant(client).status_code == 200


# Errors


def test_unauthorized_bodies(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        payments_only = bearer(client, "flex.billing.payments.read")
        for headers in ({}, {"Authorization": "Bearer forged"}, payments_only):
            response = client.get(f"{API}/members", headers=headers)
            assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
        assert client.get(f"{API}/payments", headers=payments_only).status_code == 200


def test_unknown_org_collection_and_item(api) -> None:
    client, _ = api
    org = client.get("/api/v2/organizations/nowhere/members")
    assert (org.status_code, org.json()) == (
        500,
        {"statusCode": 500, "message": "Organization not found"},
    )
    route = client.get(f"{API}/invoices")
    assert route.json() == {
        "statusCode": 404,
        "message": f"Cannot GET {API}/invoices",
        "error": "Not Found",
    }
    for rid in ("aaaaaaaaaaaaaaaaaaaaaaaa", "not-an-id"):
        item = client.get(f"{API}/members/{rid}")
        assert (item.status_code, item.json()) == (
            404,
            {"statusCode": 404, "message": f"Item with Id ({rid}) not found", "error": "Not Found"},
        )
    response = client.get(f"{API}/members/{oid(7)}")
    assert response.headers["x-powered-by"] == "Express"
    assert response.json() == DATASET["members"][7]  # the first of the duplicated pair


def test_count_ignores_filters(api) -> None:
    client, _ = api
    assert client.get(f"{API}/members/count", params={"status": "active"}).json() == {"total": 124}
    assert client.get(f"{API}/memberships/count").json() == {"total": 5}


# Paging


@pytest.mark.parametrize("limit", [10, None])
def test_walk_returns_every_stored_record_once(api, limit: int | None) -> None:
    client, _ = api
    pages = walk(client, "members", **({"$limit": limit} if limit else {}))
    assert len(pages) == (13 if limit else 3)
    walked = Counter(r["_id"] for r in results(pages))
    assert walked == Counter(r["_id"] for r in DATASET["members"])
    assert walked[oid(7)] == 2
    names = {r["name"] for r in results(pages) if r["_id"] == oid(7)}
    assert names == {DATASET["members"][7]["name"], "Member duplicate"}


def test_cursor_prev_returns_the_previous_page(api) -> None:
    client, _ = api
    pages = walk(client, "members", **{"$limit": 10})
    for index in (1, 5, 12):
        back = client.get(
            f"{API}/members", params={"$limit": 10, "$cursorPrev": pages[index]["cursorPrev"]}
        ).json()
        previous = pages[index - 1]
        assert back["results"] == previous["results"]
        assert (back["rangeStart"], back["rangeEnd"]) == (
            previous["rangeStart"],
            previous["rangeEnd"],
        )
        assert back["cursorNext"] == previous["cursorNext"]
        assert ("cursorPrev" in back) == (index > 1)
    assert "cursorNext" not in pages[-1] and len(pages[-1]["results"]) == 4


def test_empty_result_has_zero_range_and_no_cursors(api) -> None:
    client, _ = api
    body = client.get(f"{API}/members", params={"status": "lead"}).json()
    assert body == {"results": [], "rangeStart": 0, "rangeEnd": 0}


def test_walk_survives_modification_and_addition(api) -> None:
    client, sim = api
    first = client.get(f"{API}/members", params={"$limit": 20}).json()
    seen_id, unseen_id = first["results"][3]["_id"], oid(100)
    sim.store.patch("members", seen_id, {"name": "Renamed early"})
    sim.store.patch("members", unseen_id, {"name": "Renamed late"})
    added = sim.store.add("members", {"name": "Brand new", "status": "active"})
    rest = walk_from(client, first["cursorNext"], 20)
    walked = first["results"] + rest
    assert Counter(r["_id"] for r in walked) == Counter(
        [r["_id"] for r in DATASET["members"]] + [added["_id"]]
    )
    assert walked[-1] == added
    assert next(r for r in rest if r["_id"] == unseen_id)["name"] == "Renamed late"


def walk_from(client: httpx.Client, cursor: str, limit: int) -> list[dict]:
    records = []
    while cursor:
        body = client.get(f"{API}/members", params={"$limit": limit, "$cursorNext": cursor}).json()
        records += body["results"]
        cursor = body.get("cursorNext")
    return records


def test_limit_rules(api) -> None:
    client, _ = api

    def status_and_message(limit: str) -> tuple[int, object]:
        response = client.get(f"{API}/members", params={"$limit": limit})
        return response.status_code, response.json().get("message")

    assert status_and_message("51") == (400, ["$limit must not be greater than 50"])
    assert status_and_message("abc") == (
        400,
        ["$limit must be a number conforming to the specified constraints"],
    )
    assert status_and_message("-1") == (400, ["$limit must not be less than 0"])
    zero = client.get(f"{API}/members", params={"$limit": 0}).json()
    assert len(zero["results"]) == 20 and "cursorNext" in zero
    assert client.get(f"{API}/members", params={"$limit": 50}).status_code == 200


def test_limit_over_max_can_be_capped(dataset: Path) -> None:
    with serve(dataset, limit_over_max="cap") as (client, _):
        client.headers.update(bearer(client))
        body = client.get(f"{API}/members", params={"$limit": 500}).json()
        assert (len(body["results"]), body["rangeEnd"]) == (50, 50)


def test_bad_cursors_fail_like_staging(api) -> None:
    client, _ = api
    cursor = client.get(f"{API}/members", params={"$limit": 5}).json()["cursorNext"]
    for forged in ("garbage!", cursor[:-6], base64.b64encode(b'{"k":[1,2],"o":5}').decode()):
        assert client.get(f"{API}/members", params={"$cursorNext": forged}).status_code == 500
    both = client.get(f"{API}/members", params={"$cursorNext": cursor, "$cursorPrev": cursor})
    assert both.status_code == 504


# Filters


def count_where(collection: str, **wanted) -> int:
    return sum(all(r.get(k) == v for k, v in wanted.items()) for r in DATASET[collection])


def ids(pages: list[dict]) -> list[str]:
    return [r["_id"] for r in results(pages)]


def test_equality_and_in_filters(api) -> None:
    client, _ = api
    active = ids(walk(client, "members", status="active"))
    assert len(active) == count_where("members", status="active") == 41
    either = ids(walk(client, "members", **{"status[$in]": "active,pending"}))
    assert len(either) == 41 + count_where("members", status="pending")
    picked = ids(walk(client, "members", **{"_id[$in]": f"{oid(1)},{oid(7)},{oid(999)}"}))
    assert sorted(picked) == [oid(1), oid(7), oid(7)]
    assert ids(walk(client, "locations", isOpen="true")) == [oid(900)]
    credit_notes = walk(client, "payments", documentType="creditNote")
    assert len(results(credit_notes)) == 12


def test_plain_comma_list_is_refused(api) -> None:
    client, _ = api
    response = client.get(f"{API}/members", params={"status": "active,pending"})
    assert (response.status_code, response.json()) == (
        400,
        {
            "statusCode": 400,
            "message": "Multiple values in simple string format are not allowed — "
            "use status[$in]=… format instead",
            "error": "Bad Request",
        },
    )


def test_date_filters(api) -> None:
    client, _ = api
    january = walk(
        client,
        "payments",
        **{"date[$gte]": "2025-01-10T00:00:00.000Z", "date[$lt]": "2025-01-20T00:00:00Z"},
    )
    assert ids(january) == [oid(2000 + i) for i in range(9, 19)]
    due = ids(walk(client, "payments", **{"dueDate[$lte]": "2025-02-15"}))
    # dueDate = day i + 30; day 45 is 2025-02-15; payment 10 has none, 11 an unparseable one.
    assert due == [oid(2000 + i) for i in range(16) if i not in (10, 11)]
    modified = ids(walk(client, "payments", **{"modifiedAt[$gt]": stamp(155)}))
    assert modified == [oid(2000 + i) for i in range(56, 60)]
    bookings = ids(walk(client, "bookings", **{"start[$gte]": "2025-03-08T00:00:00.000Z"}))
    assert bookings == [oid(3007), oid(3008), oid(3009)]
    members = results(walk(client, "members", **{"modifiedAt[$gte]": stamp(140)}))
    assert len(members) == sum(r["modifiedAt"] >= stamp(140) for r in DATASET["members"])
    invalid = client.get(f"{API}/payments", params={"date[$gte]": "yesterday"})
    assert invalid.json()["message"] == ["date.$gte must be a valid ISO 8601 date string"]


def test_properties_and_select(api) -> None:
    client, _ = api
    gold = ids(walk(client, "members", **{"properties[tier]": "gold"}))
    assert len(gold) == 31
    selected = client.get(f"{API}/members", params={"$select": "name,email"}).json()["results"]
    assert selected[0] == {"_id": oid(0), "name": "Member 000", "email": "m0@example.com"}
    unknown = client.get(f"{API}/members", params={"$select": "nope"}).json()["results"]
    assert unknown[:2] == [{"_id": oid(0)}, {"_id": oid(1)}]
    empty = client.get(f"{API}/members", params={"$select": ""})
    assert (empty.status_code, empty.json()["message"]) == (400, ["$select should not be empty"])


@pytest.mark.parametrize(
    ("params", "field", "descending"),
    [
        ({"$sort": "name"}, "name", False),
        ({"$sort": "-modifiedAt"}, "modifiedAt", True),
        ({"$sort[modifiedAt]": "desc"}, "modifiedAt", True),
        ({"$sort[email]": "1"}, "email", False),
    ],
)
def test_sorted_walks(api, params: dict, field: str, descending: bool) -> None:
    client, _ = api
    pages = walk(client, "members", **params, **{"$limit": 20})
    walked = results(pages)
    expected = sorted(enumerate(DATASET["members"]), key=lambda p: (p[1][field], p[1]["_id"], p[0]))
    if descending:
        expected.reverse()
    assert walked == [record for _, record in expected]
    back = client.get(
        f"{API}/members", params={**params, "$limit": 20, "$cursorPrev": pages[3]["cursorPrev"]}
    ).json()
    assert back["results"] == pages[2]["results"]


def test_unaccepted_parameters_are_rejected(api) -> None:
    client, _ = api

    def refusal(path: str, params: dict) -> tuple[int, dict]:
        response = client.get(f"{API}/{path}", params=params)
        return response.status_code, response.json()

    def should_not_exist(name: str) -> tuple[int, dict]:
        message = [f"property {name} should not exist"]
        return 400, {"statusCode": 400, "message": message, "error": "Bad Request"}

    assert refusal("memberships", {"modifiedAt[$gte]": "2025-01-01"}) == should_not_exist(
        "modifiedAt"
    )
    assert refusal("memberships", {"$sort": "name"}) == should_not_exist("$sort")
    assert refusal("payments", {"$sort[date]": "1"}) == should_not_exist("$sort")
    assert refusal("members", {"foo": "1"}) == should_not_exist("foo")
    assert refusal("members", {"$sort": "phone"})[1]["message"] == [
        "$sort must be one of the following values: company, email, location, modifiedAt, "
        "name, status"
    ]
    assert ids(walk(client, "memberships", member=oid(2))) == [oid(4002)]


def test_required_filters_are_enforced(api, monkeypatch: pytest.MonkeyPatch) -> None:
    # The table decides whether /assignments needs a filter; force it here to test the rule.
    strict = replace(BY_NAME["assignments"], required_one_of=frozenset({"resource", "membership"}))
    monkeypatch.setitem(BY_NAME, "assignments", strict)
    client, _ = api
    missing = client.get(f"{API}/assignments")
    assert (missing.status_code, missing.json()) == (
        400,
        {
            "statusCode": 400,
            "message": "A membership or resource filter is required",
            "error": "Bad Request",
        },
    )
    assert ids(walk(client, "assignments", resource=oid(5100))) == [oid(5000), oid(5002)]
    assert ids(walk(client, "assignments", membership=oid(4003))) == [oid(5003)]
