"""The Dagster asset graph: thin assets that read inputs, call the core and write outputs."""

from assets.extract import officernd_raw
from assets.partitions import daily_partitions

ALL_ASSETS: list = [officernd_raw]

__all__ = ["ALL_ASSETS", "daily_partitions"]
