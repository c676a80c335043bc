"""The OfficeRnD identity host knows the reference's whole v2 scope catalogue; the sandbox
app, with Read permissions, gets a token for any of the catalogue's read scopes, and a
request naming an unknown or a write scope fails as a whole."""

from pathlib import Path

import pytest

from ornd_visma.officernd.collections import ALL_READ_SCOPES
from ornd_visma.sandbox.dataset import write_dataset
from ornd_visma.sandbox.officernd.auth import refused_scopes
from ornd_visma.sandbox.officernd.scopes import CATALOGUE, GRANTED
from tests.sandbox.test_officernd_api import grant, serve

REFUSED = (400, {"error": "invalid_scope"})


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    write_dataset(tmp_path / "dataset", {"members": []}, [])
    return tmp_path / "dataset"


def test_the_catalogue_is_the_reference_one() -> None:
    # billing 21 + space 23 + community 38 + collaboration 14 + settings 11 + user 5
    assert len(CATALOGUE) == 112
    # reads: billing 10 + space 10 + community 11 + collaboration 6 + settings 7 + user 0
    assert len(GRANTED) == 44
    assert {"flex.settings.webhooks.read", "flex.settings.customProperties.read"} <= GRANTED
    assert "flex.community.contracts.terminate" in CATALOGUE - GRANTED
    assert set(ALL_READ_SCOPES) <= GRANTED  # what the extractor asks for


def test_refused_scopes_are_unknown_or_beyond_read() -> None:
    asked = [
        "flex.space.locations.read",
        "flex.space.desks.read",  # not in the catalogue
        "flex.billing.charges.delete",  # a write scope
        "officernd.api.read",  # a v1 scope
    ]
    assert refused_scopes(asked) == asked[1:]


def test_every_read_scope_of_the_catalogue_gets_a_token(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        asked = "flex.settings.webhooks.read flex.settings.customProperties.read"
        answer = grant(client, asked)
        assert answer.status_code == 200
        assert answer.json()["scope"] == asked
        everything = grant(client, "")
        assert set(everything.json()["scope"].split()) == GRANTED


def test_unknown_and_write_scopes_fail_the_whole_request(dataset: Path) -> None:
    with serve(dataset) as (client, _):
        unknown = grant(client, "flex.space.locations.read flex.space.desks.read")
        assert (unknown.status_code, unknown.json()) == REFUSED
        write = grant(client, "flex.settings.webhooks.read flex.settings.webhooks.create")
        assert (write.status_code, write.json()) == REFUSED
        v1 = grant(client, "officernd.api.read")
        assert (v1.status_code, v1.json()) == REFUSED
