"""The OfficeRnD simulator's rate limits, faults, live changes and persistence, over HTTP."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ornd_visma.officernd.collections import ALL_READ_SCOPES
from ornd_visma.sandbox.dataset import write_dataset
from ornd_visma.sandbox.officernd import OfficeRnDOptions, Simulator, create_officernd_app
from ornd_visma.sandbox.server import running

TODAY = datetime(2025, 7, 1, tzinfo=UTC)
API = "/api/v2/organizations/sandbox"
MEMBERS = [
    {
        "_id": f"{0x650000000000000000000000 + i:024x}",
        "name": f"Member {i:02d}",
        "status": "active",
        "createdAt": "2025-01-01T00:00:00.000Z",
        "modifiedAt": f"2025-06-{1 + i % 28:02d}T12:00:00.000Z",
    }
    for i in range(30)
]
THROTTLED = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    write_dataset(tmp_path / "dataset", {"members": MEMBERS}, [])
    return tmp_path / "dataset"


@contextmanager
def serve(dataset: Path, **options) -> Iterator[tuple[httpx.Client, Simulator]]:
    """A running simulator and a client already holding an all-scopes token."""
    app = create_officernd_app(
        dataset, dataset.parent / "state", OfficeRnDOptions(today=TODAY, **options)
    )
    with running(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        form = {"grant_type": "client_credentials", "client_id": "sandbox"}
        form |= {"client_secret": "sandbox", "scope": " ".join(ALL_READ_SCOPES)}
        token = client.post("/oauth/token", data=form).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, app.state.simulator


def outcome(client: httpx.Client, path: str = "members") -> str:
    """What one request looked like to the client: a status, or the kind of transport error."""
    try:
        return str(client.get(f"{API}/{path}", params={"$limit": 5}).status_code)
    except httpx.RemoteProtocolError as error:
        return "cut" if "received 0 bytes" not in str(error) else "dropped"


# Rate limits


def test_read_limit_answers_429_and_recovers(dataset: Path) -> None:
    with serve(dataset, read_limit_per_minute=3) as (client, sim):
        assert [outcome(client) for _ in range(3)] == ["200"] * 3
        refused = client.get(f"{API}/members")
        assert (refused.status_code, refused.json()) == (429, THROTTLED)
        assert refused.headers["content-type"] == "application/json; charset=utf-8"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert outcome(client, "members/count") == "429"
        sim.store.advance_clock(60)
        assert outcome(client) == "200"


def test_write_budget_is_separate(dataset: Path) -> None:
    with serve(dataset, read_limit_per_minute=2, write_limit_per_minute=1) as (client, _):
        first = client.post(f"{API}/members", json={})
        assert (first.status_code, first.json()["message"]) == (404, f"Cannot POST {API}/members")
        assert client.post(f"{API}/members", json={}).status_code == 429
        assert [outcome(client) for _ in range(3)] == ["200", "200", "429"]


# Faults


def test_each_fault_kind_is_seen_as_the_right_error(dataset: Path) -> None:
    with serve(dataset, error_rate=1.0) as (client, sim):
        errors = {client.get(f"{API}/members").status_code for _ in range(12)}
        assert errors <= {500, 502, 503} and len(errors) > 1
        sim.update_options(error_rate=0.0, drop_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError, match="received 0 bytes"):
            client.get(f"{API}/members")
        sim.update_options(drop_rate=0.0, truncate_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
            client.get(f"{API}/members")
        sim.update_options(truncate_rate=0.0)
        assert client.get(f"{API}/members").status_code == 200
        stats = client.get("/_sandbox/stats").json()
        assert stats["faults"] == {"error": 12, "drop": 1, "truncate": 1}
        assert stats["requests"] == {"GET members": 15}
        assert stats["token_requests"] == 1


def test_faulted_requests_use_no_read_budget(dataset: Path) -> None:
    with serve(dataset, read_limit_per_minute=1, drop_rate=0.5, truncate_rate=0.5) as (client, sim):
        assert {outcome(client) for _ in range(6)} == {"dropped", "cut"}
        sim.update_options(drop_rate=0.0, truncate_rate=0.0)
        assert [outcome(client), outcome(client)] == ["200", "429"]


def test_faults_repeat_for_the_same_seed(dataset: Path) -> None:
    knobs = {"error_rate": 0.3, "drop_rate": 0.2, "truncate_rate": 0.2, "fault_seed": 42}
    with serve(dataset, **knobs) as (client, _):
        first = [outcome(client) for _ in range(15)]
        assert client.put("/_sandbox/options", json={"fault_seed": 42}).status_code == 200
        again = [outcome(client) for _ in range(15)]
    assert first == again
    assert {"200", "dropped", "cut"} <= set(first) and {"500", "502", "503"} & set(first)
    with serve(dataset, **knobs) as (client, _):
        assert [outcome(client) for _ in range(15)] == first


def test_latency_delays_answers(dataset: Path) -> None:
    with serve(dataset, latency_ms=150) as (client, _):
        response = client.get(f"{API}/members/count")
        assert response.elapsed.total_seconds() >= 0.15


# Live changes


def modified_since(client: httpx.Client, moment: str) -> list[str]:
    body = client.get(f"{API}/members", params={"modifiedAt[$gte]": moment}).json()
    return [r["_id"] for r in body["results"]]


def test_admin_add_patch_delete_show_in_lists_and_filters(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        now = client.post("/_sandbox/clock", json={"advance_seconds": 1800}).json()["now"]
        assert now.startswith("2025-07-01T00:30:0")
        added = client.post("/_sandbox/members", json={"name": "Late joiner"})
        assert added.status_code == 201
        record = added.json()
        assert len(record["_id"]) == 24 and record["createdAt"] == record["modifiedAt"] >= now
        assert client.get(f"{API}/members/{record['_id']}").json() == record
        assert client.get(f"{API}/members/count").json() == {"total": 31}
        assert modified_since(client, now) == [record["_id"]]

        target = MEMBERS[4]["_id"]
        patched = client.patch(f"/_sandbox/members/{target}", json={"status": "former"}).json()
        assert patched["status"] == "former" and patched["name"] == "Member 04"
        assert patched["modifiedAt"] >= now
        assert modified_since(client, now) == [target, record["_id"]]
        former = client.get(f"{API}/members", params={"status": "former"}).json()["results"]
        assert former == [patched]

        assert client.delete(f"/_sandbox/members/{target}").json() == {"deleted": 1}
        assert client.get(f"{API}/members/{target}").status_code == 404
        assert client.get(f"{API}/members/count").json() == {"total": 30}
        missing = client.delete(f"/_sandbox/members/{target}")
        assert missing.status_code == 404
        assert client.post("/_sandbox/invoices", json={}).status_code == 404


def test_store_functions_mutate_without_http(dataset: Path) -> None:
    with serve(dataset) as (client, sim):
        added = sim.store.add("members", {"_id": "f" * 24, "name": "Direct"})
        sim.store.patch("members", MEMBERS[0]["_id"], {"name": "Changed"})
        assert sim.store.delete("members", MEMBERS[1]["_id"]) == 1
        names = [r["name"] for r in client.get(f"{API}/members").json()["results"]]
        assert names[:2] == ["Changed", "Member 02"] and names[-1] == "Direct"
        assert added["createdAt"] == added["modifiedAt"]


def test_changes_and_clock_persist_across_restart(dataset: Path) -> None:
    with serve(dataset) as (client, sim):
        added = sim.store.add("members", {"name": "Kept"})
        sim.store.patch("members", MEMBERS[2]["_id"], {"name": "Kept change"})
        sim.store.delete("members", MEMBERS[3]["_id"])
        moved = sim.store.advance_clock(86_400)
    with serve(dataset) as (client, sim):
        assert sim.store.now() >= moved
        body = client.get(f"{API}/members").json()
        by_id = {r["_id"]: r for r in body["results"]}
        assert by_id[added["_id"]] == added
        assert by_id[MEMBERS[2]["_id"]]["name"] == "Kept change"
        assert MEMBERS[3]["_id"] not in by_id and len(by_id) == 30


def test_clock_and_options_endpoints_refuse_nonsense(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        assert client.get("/_sandbox/clock").json()["now"].startswith("2025-07-01T00:00:")
        moved = client.post("/_sandbox/clock", json={"now": "2025-08-01T00:00:00Z"})
        assert moved.json() == {"now": "2025-08-01T00:00:00.000Z"}
        backwards = client.post("/_sandbox/clock", json={"now": "2025-07-15T00:00:00Z"})
        assert backwards.status_code == 400
        assert client.put("/_sandbox/options", json={"colour": "red"}).status_code == 400
        assert client.put("/_sandbox/options", json={"error_rate": 2}).status_code == 400
        changed = client.put("/_sandbox/options", json={"read_limit_per_minute": 9}).json()
        assert changed["read_limit_per_minute"] == 9 and changed["today"] == TODAY.isoformat()
