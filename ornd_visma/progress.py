"""Live progress of a run in the terminal, from the run's own events: each step as it starts
(`step 3 of 16`) and ends (its time, and the few figures a person waits for: records pulled,
rows, documents posted, summed over the tables and days the step materialized).

`Progress` is fed `(event type, step key, metadata)` triples by the Dagster logger in
`ornd_visma/definitions.py` and writes one plain line per event (no cursor tricks: the same
output reads right in a terminal, a CI log and a file).
"""

import sys
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

# The metadata worth a line, by name: what the figure means.
FIGURES = {
    "records": "records pulled",
    "requests": "requests",
    "dagster/row_count": "rows",
    "quarantined_records": "quarantined",
    "confirmed": "posted to Visma",
    "would_post": "would post",
    "held": "held",
    "failed": "refused by Visma",
}


class Progress:
    def __init__(self, steps: int, out: TextIO | None = None) -> None:
        self.steps = steps
        self.out = out or sys.stdout
        self.started: dict[str, float] = {}
        # step -> asset -> label -> value: a step over a range of days materializes each
        # asset once per day with the same metadata, so an asset's latest figures count
        self.figures: dict[str, dict[str, dict[str, Decimal]]] = {}

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def event(
        self,
        kind: str,
        step: str | None,
        metadata: Mapping[str, Any] | None,
        asset: str | None = None,
    ) -> None:
        if kind == "STEP_START" and step:
            self.started[step] = time.monotonic()
            self._say(f"step {len(self.started)} of {self.steps}: {step} ...")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step:
            took = time.monotonic() - self.started.get(step, time.monotonic())
            figures: dict[str, Decimal] = {}
            for per_asset in self.figures.pop(step, {}).values():
                for label, value in per_asset.items():
                    figures[label] = figures.get(label, Decimal(0)) + value
            said = ", ".join(f"{label} {_number(v)}" for label, v in figures.items() if v)
            outcome = "done" if kind == "STEP_SUCCESS" else "FAILED"
            self._say(f"  {step} {outcome} ({took:.1f} s){': ' + said if said else ''}")
        elif kind == "ASSET_MATERIALIZATION" and metadata and step:
            # many tables: summed at the step's end, each table's latest figures once
            latest = self.figures.setdefault(step, {}).setdefault(asset or "", {})
            for name, label in FIGURES.items():
                value = _decimal(metadata.get(name))
                if value is not None:
                    latest[label] = value if asset else latest.get(label, Decimal(0)) + value


def _decimal(value: Any) -> Decimal | None:
    value = getattr(value, "value", value)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _number(value: Decimal) -> str:
    return f"{value:,}".replace(",", " ") if value == value.to_integral_value() else str(value)
