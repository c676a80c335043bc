"""A no-op copy of an asset graph, for measuring what Dagster itself costs.

`noop_definitions(defs)` has the same asset keys, dependencies, checks, partitions, backfill
policies, pools and step names as `defs`, and a job of the same name; each step does nothing
but report its selected assets materialized and their checks passed. A run of it writes the
events a real run writes (planned, materialization, check evaluations, step events) and none
of the work, so its wall time is Dagster's share of the real run (`bench/pipeline.py`) and its
event log counts the events per partition (tests/test_asset_graph.py)."""

from collections.abc import Iterator

import dagster as dg


def _noop(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    order = [spec.key for spec in assets_def.specs]  # as defined: dependencies first
    checks_by_key: dict[dg.AssetKey, list[dg.AssetCheckSpec]] = {}
    for check in assets_def.check_specs:
        checks_by_key.setdefault(check.asset_key, []).append(check)

    @dg.multi_asset(
        name=assets_def.node_def.name,
        specs=list(assets_def.specs),
        check_specs=list(assets_def.check_specs),
        partitions_def=assets_def.partitions_def,
        backfill_policy=assets_def.backfill_policy,
        can_subset=assets_def.can_subset,
        pool=assets_def.node_def.pool,
    )
    def body(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        selected_checks = context.selected_asset_check_keys
        for key in (k for k in order if k in context.selected_asset_keys):
            yield dg.MaterializeResult(
                asset_key=key,
                check_results=[
                    dg.AssetCheckResult(check_name=c.name, asset_key=key, passed=True)
                    for c in checks_by_key.get(key, [])
                    if c.key in selected_checks
                ],
            )

    return body


def _noop_checks(checks_def: dg.AssetsDefinition) -> dg.AssetChecksDefinition:
    """A check defined apart from its asset (it reads what a later asset wrote), passing."""

    @dg.multi_asset_check(
        name=checks_def.node_def.name,
        specs=list(checks_def.check_specs),
        can_subset=True,
        pool=checks_def.node_def.pool,
    )
    def body(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        for key in sorted(context.selected_asset_check_keys, key=lambda k: k.name):
            yield dg.AssetCheckResult(check_name=key.name, asset_key=key.asset_key, passed=True)

    return body


def noop_definitions(defs: dg.Definitions, job_name: str = "daily_books") -> dg.Definitions:
    """`defs`' asset graph with bodies that do nothing, and an all-assets job `job_name`."""
    graph = defs.resolve_asset_graph()
    executable = [a for a in graph.assets_defs if a.is_executable]
    assets = [_noop(a) for a in executable if a.keys]
    checks = [_noop_checks(a) for a in executable if not a.keys and a.check_specs]
    job = dg.define_asset_job(job_name, selection=dg.AssetSelection.all())
    return dg.Definitions(
        assets=assets, asset_checks=checks, jobs=[job], executor=dg.in_process_executor
    )
