"""Shared fixtures: generated datasets, written once per session and read back from disk with
Decimal numbers, as an independent consumer would."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ornd_visma.sandbox.dataset import write_dataset
from ornd_visma.sandbox.generator import generate

# The simulator without its rate limits, for tests about something else: each Dagster run
# fetches its own token, and the documented 5 token requests a minute made a module of six
# runs wait a minute for the sixth.
UNLIMITED = {"read_limit_per_minute": 1_000_000, "token_limit_per_minute": 1_000_000}


def load_json_decimal(path: Path):
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def _write(tmp_path_factory, name: str, scale: str, seed: int, defects: float) -> Path:
    directory = tmp_path_factory.mktemp(name)
    dataset = generate(scale, seed, defects)
    write_dataset(directory, dataset.collections, dataset.defects)
    return directory


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory) -> Path:
    """`ornd-visma generate --scale small --seed 7`."""
    return _write(tmp_path_factory, "small", "small", 7, 0.0)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    return _write(tmp_path_factory, "demo", "demo", 11, 0.0)


@pytest.fixture(scope="session")
def defects_dir(tmp_path_factory) -> Path:
    return _write(tmp_path_factory, "defects", "demo", 3, 0.01)


def read_collection(directory: Path, name: str) -> list[dict]:
    return load_json_decimal(directory / f"{name}.json")


@pytest.fixture(scope="session")
def defects_small_dir(tmp_path_factory) -> Path:
    """A small dataset with every kind of planted defect."""
    return _write(tmp_path_factory, "defects_small", "small", 7, 0.05)
