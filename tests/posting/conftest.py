"""A running Visma simulator for the posting tests, and clients on it whose rate limiter and
back-off run on the simulator's clock (so nothing in a test waits in real time)."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ornd_visma.sandbox.visma import VismaOptions
from ornd_visma.visma import EndpointLimiter, TokenStore, VismaClient, sandbox_visma
from tests.posting.books import Books
from tests.sandbox.visma_fixtures import Harness, harness


@pytest.fixture
def books(tmp_path: Path) -> Iterator[Books]:
    """Hand-made books in a warehouse of their own, with one company, c1 Acme AB."""
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    b = Books(conn)
    b.company("c1", "Acme AB")
    yield b
    conn.close()


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Harness]:
    with harness(tmp_path / "visma", VismaOptions(timeout_seconds=1.0)) as h:
        yield h


def make_client(h: Harness, tokens_dir: Path, entity: str = "default", **kwargs) -> VismaClient:
    settings = sandbox_visma(entity)
    settings = type(settings)(
        entity, f"{h.url}/v2", h.url, settings.client_id, settings.client_secret,
        kwargs.pop("refresh_token", None),
    )  # fmt: skip
    limiter = kwargs.pop(
        "limiter",
        EndpointLimiter(
            kwargs.pop("per_minute", 570), clock=h.clock.seconds, sleep=h.clock.advance
        ),
    )
    return VismaClient(
        settings,
        TokenStore(tokens_dir, entity),
        limiter=limiter,
        timeout_s=kwargs.pop("timeout_s", 0.5),
        **kwargs,
    )


@pytest.fixture
def client(sim: Harness, tmp_path: Path) -> Iterator[VismaClient]:
    with make_client(sim, tmp_path / "tokens") as c:
        yield c
