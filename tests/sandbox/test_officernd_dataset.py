"""The OfficeRnD simulator serving generated datasets: every stored record, exactly once."""

from collections import Counter
from pathlib import Path

import httpx

from ornd_visma.officernd.collections import ALL_READ_SCOPES, COLLECTIONS
from ornd_visma.sandbox.dataset import read_dataset, read_defects
from ornd_visma.sandbox.officernd import OfficeRnDOptions, Store, create_officernd_app
from ornd_visma.sandbox.officernd.query import parse_list_query
from ornd_visma.sandbox.server import running
from tests.conftest import UNLIMITED

API = "/api/v2/organizations/sandbox"


def walk_http(client: httpx.Client, name: str) -> list[str]:
    walked, cursor = [], None
    while True:
        params = {"$cursorNext": cursor} if cursor else {}
        body = client.get(f"{API}/{name}", params=params).json()
        walked += [record["_id"] for record in body["results"]]
        if (cursor := body.get("cursorNext")) is None:
            return walked


def test_generated_dataset_is_served_in_full(small_dir: Path, tmp_path: Path) -> None:
    files = read_dataset(small_dir)
    app = create_officernd_app(small_dir, tmp_path, OfficeRnDOptions(**UNLIMITED))
    with running(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        form = {"grant_type": "client_credentials", "client_id": "sandbox"}
        form |= {"client_secret": "sandbox", "scope": " ".join(ALL_READ_SCOPES)}
        token = client.post("/oauth/token", data=form).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        for spec in COLLECTIONS:
            stored = Counter(record["_id"] for record in files[spec.name])
            count = client.get(f"{API}/{spec.name}/count").json()
            assert count == {"total": stored.total()}, spec.name
            if not spec.required_one_of:
                assert Counter(walk_http(client, spec.name)) == stored, spec.name


def test_planted_duplicates_are_each_served(defects_dir: Path, tmp_path: Path) -> None:
    store = Store(defects_dir, tmp_path)
    duplicated = {d["collection"] for d in read_defects(defects_dir) if d["kind"] == "duplicate_id"}
    assert duplicated
    for name in duplicated:
        spec = next(c for c in COLLECTIONS if c.name == name)
        walked, cursor = [], None
        while True:
            items = [("$cursorNext", cursor)] if cursor else []
            page = store.list_page(name, parse_list_query(spec, items, "reject"))
            walked += [record["_id"] for record in page.results]
            if (cursor := page.cursor_next) is None:
                break
        stored = Counter(record["_id"] for record in read_dataset(defects_dir)[name])
        assert max(stored.values()) == 2
        assert Counter(walked) == stored
