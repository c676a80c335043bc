"""Live progress of a run in the terminal, from the run's own events: each step as it starts
(`step 3 of 16`) and ends (its time), and the few figures a person waits for (records pulled,
documents posted), taken from the materializations' metadata.

`Progress` is fed `(event type, step key, metadata)` triples by the Dagster logger in
`ornd_visma/definitions.py` and writes one plain line per event (no cursor tricks: the same
output reads right in a terminal, a CI log and a file).
"""

import sys
import time
from collections.abc import Mapping
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
        # A step over a range of days reports one materialization per day with the same
        # figures: a line is said once per step.
        self.said: dict[str, str] = {}

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def event(self, kind: str, step: str | None, metadata: Mapping[str, Any] | None) -> None:
        if kind == "STEP_START" and step:
            self.started[step] = time.monotonic()
            self._say(f"step {len(self.started)} of {self.steps}: {step} ...")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step:
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self._say(f"  {step} {'done' if kind == 'STEP_SUCCESS' else 'FAILED'} ({took:.1f} s)")
        elif kind == "ASSET_MATERIALIZATION" and metadata:
            figures = [
                f"{label} {_plain(metadata[name])}"
                for name, label in FIGURES.items()
                if name in metadata and _plain(metadata[name]) not in ("0", "None")
            ]
            line = f"  {step}: {', '.join(figures)}"
            if figures and self.said.get(step or "") != line:
                self.said[step or ""] = line
                self._say(line)


def _plain(value: Any) -> str:
    return str(getattr(value, "value", value))
