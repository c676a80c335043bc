"""The one daily partitioning every fact asset shares (business date, UTC)."""

import os

import dagster as dg

# The first day the books are taken from; generated datasets start at most 24 months back.
PARTITIONS_START = os.environ.get("ORND_VISMA_START_DATE", "2024-11-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START)
