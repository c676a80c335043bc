"""The one daily partitioning every fact asset shares (business date, UTC), backfilled as
single runs (`BackfillPolicy.single_run()`)."""

import warnings
from datetime import date

import dagster as dg

from ornd_visma.config import start_date

# Single-run backfills are the design (a backfill is one run, brief); Dagster marks the
# parameter beta, and its warning on every import tells a user nothing they can act on.
warnings.filterwarnings(
    "ignore", message=r"Parameter `backfill_policy` .* in beta", category=dg.BetaWarning
)

PARTITIONS_START = start_date()

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START)


def business_date_window(context: dg.AssetExecutionContext) -> tuple[date, date | None]:
    """The run's business dates `[start, end)`. The latest window is open-ended (`end` None):
    it also holds what is dated after it (a booking next month) until that day's window
    takes it over."""
    window = context.partition_time_window
    latest = daily_partitions.get_last_partition_window()
    open_end = latest is not None and window.end >= latest.end
    return window.start.date(), None if open_end else window.end.date()
