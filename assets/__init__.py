"""The Dagster asset graph: thin assets that read inputs, call the core and write outputs."""

from assets.partitions import daily_partitions

ALL_ASSETS: list = []

__all__ = ["ALL_ASSETS", "daily_partitions"]
