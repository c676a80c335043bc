"""The architecture's one-way dependencies: the core imports no Dagster."""

import ast
from pathlib import Path

CORE = Path(__file__).parents[1] / "ornd_visma"
# The code location and its run launcher: the one place the core meets Dagster.
ALLOWED = {CORE / "definitions.py"}


def test_core_imports_no_dagster():
    offenders = []
    for path in CORE.rglob("*.py"):
        if path in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(
                n == "dagster" or n.startswith(("dagster.", "dagster_", "assets", "resources"))
                for n in names
            ):
                offenders.append(f"{path.relative_to(CORE.parent)}: {names}")
    assert offenders == []
