"""The dataset format: a directory with one `<collection>.json` per OfficeRnD collection, each a
JSON array of objects exactly as the API returns them, plus `defects.json` listing planted
defects. A real export in the same shape can be replayed by the simulator."""

from pathlib import Path

import orjson

from ornd_visma.jsontext import dumps
from ornd_visma.officernd.collections import BY_NAME

DEFECTS_FILE = "defects.json"


def write_dataset(directory: Path, collections: dict[str, list[dict]], defects: list[dict]) -> None:
    """Write every collection and the defect list into `directory` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, records in collections.items():
        if name not in BY_NAME:
            raise KeyError(f"unknown OfficeRnD collection {name!r}")
        (directory / f"{name}.json").write_bytes(dumps(records, indent=True))
    (directory / DEFECTS_FILE).write_bytes(dumps(defects, indent=True))


def read_dataset(directory: Path) -> dict[str, list[dict]]:
    """Every known collection file in `directory`; collections without a file are empty.

    Numbers are read as floats: the files hold at most two decimals, which a float's
    shortest repr writes back unchanged. Code doing arithmetic converts with `Decimal(str(x))`.
    """
    if not directory.is_dir():
        raise FileNotFoundError(f"dataset directory {directory} does not exist")
    data: dict[str, list[dict]] = {}
    for name in BY_NAME:
        path = directory / f"{name}.json"
        records = orjson.loads(path.read_bytes()) if path.exists() else []
        if not isinstance(records, list):
            raise ValueError(f"{path}: expected a JSON array of records")
        data[name] = records
    return data


def read_defects(directory: Path) -> list[dict]:
    """The planted defects listed next to a generated dataset (empty for a real export)."""
    path = directory / DEFECTS_FILE
    return orjson.loads(path.read_bytes()) if path.exists() else []
