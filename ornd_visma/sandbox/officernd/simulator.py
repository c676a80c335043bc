"""One simulated OfficeRnD organisation and everything its endpoints share: options, store
(records and clock), issued tokens, rate-limit windows, the fault draw and the counters.

Tests reach it as `app.state.simulator` to mutate records, move the clock or change options
without HTTP; the admin endpoints call the same methods.
"""

from pathlib import Path
from typing import Any

from ornd_visma.sandbox.officernd.auth import Tokens
from ornd_visma.sandbox.officernd.faults import Faults
from ornd_visma.sandbox.officernd.limits import RollingLimit
from ornd_visma.sandbox.officernd.options import OfficeRnDOptions, with_changes
from ornd_visma.sandbox.officernd.stats import Stats
from ornd_visma.sandbox.officernd.store import Store


class Simulator:
    """The state behind one `create_officernd_app`."""

    def __init__(self, dataset_dir: Path, state_dir: Path, options: OfficeRnDOptions) -> None:
        self.options = options
        self.store = Store(dataset_dir, state_dir, options.today)
        self.tokens = Tokens()
        self.faults = Faults(options.fault_seed)
        self.stats = Stats()
        self.read_limit = RollingLimit()
        self.write_limit = RollingLimit()
        self.token_limit = RollingLimit()

    def update_options(self, **changes: Any) -> OfficeRnDOptions:
        """Change knobs at runtime (field names of OfficeRnDOptions). Giving `fault_seed`
        restarts the fault sequence, even with the same seed."""
        self.options = with_changes(self.options, changes)
        if "fault_seed" in changes:
            self.faults.reseed(self.options.fault_seed)
        return self.options

    def now_seconds(self) -> float:
        """The simulated now as epoch seconds."""
        return self.store.clock.seconds()
