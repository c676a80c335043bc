"""`staging.<table>` (validated) and `quarantine.<table>` (rejected, with the reason) for every
OfficeRnD collection. Dimensions are rebuilt whole; facts per daily business-date window."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.extract import raw_key
from assets.partitions import business_date_window, daily_partitions
from ornd_visma.officernd.collections import Collection, collection
from ornd_visma.validation import TYPED_COLUMNS
from ornd_visma.warehouse.staging import (
    DIMENSIONS,
    FACTS,
    StageResult,
    credit_notes_without_invoice,
    stage_dimension,
    stage_fact_window,
)

GROUP = "validate"
# Checks, by name.
QUARANTINE_EMPTY = "quarantine_empty"
REFERENCES_CLEAN = "references_clean"
DOCUMENTS_COMPLETE = "documents_complete"


# Dimensions in the order references need them: what others point at is staged first.
DIMENSION_ORDER = tuple(
    collection(name)
    for name in (
        "tax-rates",
        "revenue-accounts",
        "plans",
        "resource-rates",
        "resource-types",
        "locations",
        "business-hours",
        "floors",
        "resources",
        "companies",
        "members",
        "memberships",
        "assignments",
        "contracts",
        "credits",
        "coins",
    )
)
assert set(DIMENSION_ORDER) == set(DIMENSIONS), "every dimension needs a place in the order"
# The tables invoice lines resolve against: a quarantined row here would misroute money.
BOOKS_REFERENCES = {"tax-rates", "revenue-accounts", "plans", "resource-rates", "locations"}


def staging_key(c: Collection) -> dg.AssetKey:
    return dg.AssetKey(["staging", c.table_name])


def _spec(c: Collection, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=staging_key(c),
        deps=deps,
        description=(
            f"OfficeRnD `{c.name}` that passed validation (pandera schema, references, and for "
            f"invoices the arithmetic to the öre), as typed columns plus the original "
            f"`payload`. Rejected records are in `quarantine.{c.table_name}` with the check, "
            f"the offending value, the reason, the partition and when it was first seen."
        ),
        group_name=GROUP,
        kinds={"pandas", "duckdb"},
        metadata={"dagster/table_name": f"staging.{c.table_name}"},
    )


def _checks(c: Collection) -> list[dg.AssetCheckSpec]:
    checks = [
        dg.AssetCheckSpec(
            QUARANTINE_EMPTY,
            asset=staging_key(c),
            description=f"No `{c.name}` record is quarantined (warns with the counts per check).",
        )
    ]
    if c.name == "payments":
        checks.append(
            dg.AssetCheckSpec(
                DOCUMENTS_COMPLETE,
                asset=staging_key(c),
                description="No staged credit note points at a quarantined invoice. Warns "
                "with the list: the books hold each such credit note (`core.documents`, "
                "status held, with the reason), so one bad invoice does not stop the rest "
                "from posting.",
            )
        )
    if c.name in BOOKS_REFERENCES:
        checks.append(
            dg.AssetCheckSpec(
                REFERENCES_CLEAN,
                asset=staging_key(c),
                blocking=True,
                description=f"Every `{c.name}` record is valid: invoice lines resolve against it, "
                "so a quarantined one stops everything downstream.",
            )
        )
    return checks


def _result(
    c: Collection, staged: StageResult, orphans: list[tuple[str, str, str]] | None = None
) -> dg.MaterializeResult:
    failed = staged.checks_failed
    preview = staged.quarantined_rows.head(10)
    checks = [
        dg.AssetCheckResult(
            check_name=QUARANTINE_EMPTY,
            asset_key=staging_key(c),
            passed=staged.quarantined_records == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"quarantined_records": staged.quarantined_records, "by_check": failed},
        )
    ]
    if orphans is not None:
        checks.append(
            dg.AssetCheckResult(
                check_name=DOCUMENTS_COMPLETE,
                asset_key=staging_key(c),
                passed=not orphans,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "credit_notes_without_invoice": dg.MetadataValue.md(
                        "\n".join(
                            f"- {number} ({note}) → invoice {invoice}"
                            for note, number, invoice in orphans
                        )
                        or "(none)"
                    )
                },
            )
        )

    if c.name in BOOKS_REFERENCES:
        checks.append(
            dg.AssetCheckResult(
                check_name=REFERENCES_CLEAN,
                asset_key=staging_key(c),
                passed=staged.quarantined_records == 0,
                metadata={"quarantined_records": staged.quarantined_records},
            )
        )
    return dg.MaterializeResult(
        asset_key=staging_key(c),
        metadata={
            "dagster/row_count": staged.valid,
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(name, kind)
                    for name, kind in {**TYPED_COLUMNS[c.name], "payload": "VARCHAR"}.items()
                ]
            ),
            "quarantined_records": staged.quarantined_records,
            "quarantined_by_check": failed,
            "preview": dg.MetadataValue.md(staged.preview.to_markdown(index=False)),
            "quarantine_preview": dg.MetadataValue.md(
                preview.to_markdown(index=False) if not preview.empty else "(none)"
            ),
        },
        check_results=checks,
    )


@dg.multi_asset(
    specs=[_spec(c, [raw_key(c)]) for c in DIMENSION_ORDER],
    check_specs=[check for c in DIMENSION_ORDER for check in _checks(c)],
    can_subset=True,
    pool="duckdb",
)
def officernd_staging_dimensions(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    """Validate the dimension collections (current state), references first."""
    with warehouse.get_connection() as conn:
        for c in DIMENSION_ORDER:
            if staging_key(c) in context.selected_asset_keys:
                yield _result(c, stage_dimension(conn, c))


@dg.multi_asset(
    specs=[_spec(f, [raw_key(f), *(staging_key(d) for d in DIMENSION_ORDER)]) for f in FACTS],
    check_specs=[check for f in FACTS for check in _checks(f)],
    can_subset=True,
    pool="duckdb",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def officernd_staging_facts(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    """Validate the fact collections of the run's business-date window (one transaction each)."""
    start, end = business_date_window(context)
    with warehouse.get_connection() as conn:
        for f in FACTS:
            if staging_key(f) in context.selected_asset_keys:
                staged = stage_fact_window(conn, f, start, end)
                orphans = credit_notes_without_invoice(conn) if f.name == "payments" else None
                yield _result(f, staged, orphans)
