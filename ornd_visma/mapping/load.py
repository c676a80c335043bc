"""Reading the mapping file: YAML, validated by the pydantic model, errors naming the key."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from ornd_visma.mapping.model import Mapping

# libyaml's loader where PyYAML was built with it (the wheels are): the same documents, about
# ten times faster than the pure-Python one, which cost 50 ms a step for the sandbox mapping.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MappingError(ValueError):
    """The mapping file cannot be used; the message names the file and the bad key."""


def _key_path(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def load_mapping(path: Path | str) -> Mapping:
    """The mapping in `path`; raises MappingError naming the key (e.g. `revenue.3.account`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(f"{path}: cannot read the mapping file: {error.strerror}") from error
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MappingError(f"{path}: the mapping must be a YAML mapping, not {type(data).__name__}")
    try:
        return Mapping.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{_key_path(e['loc'])}: {e['msg']}" + (f" (got {e['input']!r})" if _short(e) else "")
            for e in error.errors()
        )
        raise MappingError(f"{path}: {problems}") from None


def _short(error: dict) -> bool:
    value = error.get("input")
    return isinstance(value, str | int | float | bool) and len(repr(value)) < 60
