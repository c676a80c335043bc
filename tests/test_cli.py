"""The issue's check, end to end through the console script: `ornd-visma generate` then
`ornd-visma sandbox`, read by a plain httpx client written from the reference (not ours)."""

import json
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ornd_visma.officernd.collections import ALL_READ_SCOPES, COLLECTIONS

CLI = [sys.executable, "-m", "ornd_visma.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    dataset, state = root / "dataset", root / "state"
    subprocess.run(
        [*CLI, "generate", "--scale", "small", "--seed", "7", "--out", str(dataset)],
        check=True,
        capture_output=True,
    )
    port, visma_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            *CLI,
            "sandbox",
            "--dataset",
            str(dataset),
            "--state",
            str(state),
            "--officernd-port",
            str(port),
            "--visma-port",
            str(visma_port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/api/v2/organizations/sandbox/locations", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"sandbox did not start: {process.stderr.read()}") from None
            time.sleep(0.2)
    yield base, dataset
    process.terminate()
    process.wait(timeout=10)


def token(base: str) -> str:
    response = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox",
            "client_secret": "sandbox",
            "scope": " ".join(ALL_READ_SCOPES),
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    return body["access_token"]


def test_every_collection_pages_to_the_dataset_count(sandbox):
    base, dataset = sandbox
    headers = {"Authorization": f"Bearer {token(base)}"}
    for collection in COLLECTIONS:
        expected = json.loads((dataset / f"{collection.name}.json").read_text())
        seen, params = [], {"$limit": "50"}
        while True:
            response = httpx.get(
                f"{base}/api/v2/organizations/sandbox/{collection.name}",
                params=params,
                headers=headers,
            )
            assert response.status_code == 200, (collection.name, response.text)
            page = response.json()
            assert len(page["results"]) <= 50
            seen += page["results"]
            if "cursorNext" not in page:
                break
            params = {"$limit": "50", "$cursorNext": page["cursorNext"]}
        assert sorted(r["_id"] for r in seen) == sorted(r["_id"] for r in expected)


def test_invoice_totals_to_the_ore_over_http(sandbox):
    base, _ = sandbox
    headers = {"Authorization": f"Bearer {token(base)}"}
    response = httpx.get(
        f"{base}/api/v2/organizations/sandbox/payments",
        params={"documentType": "invoice", "$limit": "50"},
        headers=headers,
    )
    invoices = json.loads(response.text, parse_float=Decimal)["results"]
    assert invoices
    for invoice in invoices:
        lines = invoice["lines"]
        assert invoice["subTotal"] == sum(line["subTotal"] for line in lines)
        assert invoice["total"] == invoice["subTotal"] + sum(
            entry["total"] for entry in invoice["taxAmounts"]
        )


def test_errors_follow_the_reference(sandbox):
    base, _ = sandbox
    api = f"{base}/api/v2/organizations"
    assert httpx.get(f"{api}/sandbox/members").json() == {
        "statusCode": 401,
        "message": "Unauthorized access",
        "error": "Unauthorized",
    }
    headers = {"Authorization": f"Bearer {token(base)}"}
    assert httpx.get(f"{api}/nope/members", headers=headers).status_code == 500
    too_many = httpx.get(f"{api}/sandbox/members", params={"$limit": "51"}, headers=headers)
    assert too_many.status_code == 400
    refused = httpx.get(
        f"{api}/sandbox/memberships",
        params={"modifiedAt[$gte]": "2026-01-01T00:00:00.000Z"},
        headers=headers,
    )
    assert refused.status_code == 400
    # NestJS parses `modifiedAt[$gte]` into an object named `modifiedAt`.
    assert refused.json()["message"] == ["property modifiedAt should not exist"]


def test_generate_is_deterministic(tmp_path: Path):
    for name in ("a", "b"):
        subprocess.run(
            [*CLI, "generate", "--scale", "small", "--seed", "7", "--out", str(tmp_path / name)],
            check=True,
            capture_output=True,
        )
    for path in (tmp_path / "a").glob("*.json"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
