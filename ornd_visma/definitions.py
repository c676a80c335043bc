"""The Dagster code location (loaded by workspace.yaml and `dagster dev`).

This is the one module of `ornd_visma` that imports Dagster: it wires the asset graph
(`assets/`) and the resources (`resources/`) together. Steps run in process: DuckDB takes one
writer at a time.
"""

import dagster as dg

from assets import ALL_ASSETS
from resources import build_resources

defs = dg.Definitions(
    assets=ALL_ASSETS,
    resources=build_resources(),
    executor=dg.in_process_executor,
)
