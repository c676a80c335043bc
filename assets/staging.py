"""`staging.<table>` (validated) and `quarantine.<table>` (rejected, with the reason) for every
OfficeRnD collection. Dimensions are rebuilt whole, one asset per table; facts per daily
business-date window, all six tables as the one partitioned asset `staging/facts`.

Why one asset for the facts: Dagster writes a "materialization planned" and a materialization
event per partition of every partitioned asset key a run covers, so a backfill of two years
wrote 2 × 730 events per fact table (dagster-io/dagster issues 18789, 19829, 31694) and spent
most of its wall time writing them. The six tables are validated together in every run anyway;
as one key they cost two events a day. Each table stays visible: its name, row count,
quarantine count, columns and preview are in the metadata, and its checks are named checks of
`staging/facts` (`<table>_quarantine_empty`, `payments_documents_complete`)."""

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


STAGING_FACTS = dg.AssetKey(["staging", "facts"])


def staging_key(c: Collection) -> dg.AssetKey:
    """The asset that writes `staging.<c>`: its own for a dimension, `staging/facts` for a
    fact table."""
    return STAGING_FACTS if c in FACTS else dg.AssetKey(["staging", c.table_name])


def staging_keys(*names: str) -> list[dg.AssetKey]:
    """The assets writing the named collections' staging tables, each once (facts share one)."""
    return list(dict.fromkeys(staging_key(collection(name)) for name in names))


def check_name(c: Collection, check: str) -> str:
    """The name of a table's check: as it is on a dimension's own asset; on `staging/facts`
    prefixed with the fact table (`payments_quarantine_empty`), so the six tables' checks of
    the one asset stay apart."""
    return f"{c.table_name}_{check}" if c in FACTS else check


def _description(c: Collection) -> str:
    return (
        f"OfficeRnD `{c.name}` that passed validation (pandera schema, references, and for "
        f"invoices the arithmetic to the öre), as typed columns plus the original "
        f"`payload`. Rejected records are in `quarantine.{c.table_name}` with the check, "
        f"the offending value, the reason, the partition and when it was first seen."
    )


def _schema(c: Collection) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, kind)
            for name, kind in {**TYPED_COLUMNS[c.name], "payload": "VARCHAR"}.items()
        ]
    )


def _spec(c: Collection, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=staging_key(c),
        deps=deps,
        description=_description(c),
        group_name=GROUP,
        kinds={"pandas", "duckdb"},
        # Columns on the definition, not in each materialization: they change only with
        # the code, and Dagster serializes and stores every event's metadata.
        metadata={
            "dagster/table_name": f"staging.{c.table_name}",
            "dagster/column_schema": _schema(c),
        },
    )


FACT_TABLES = [f"staging.{f.table_name}" for f in FACTS]

FACTS_SPEC = dg.AssetSpec(
    key=STAGING_FACTS,
    deps=list(dict.fromkeys([*(raw_key(f) for f in FACTS), *map(staging_key, DIMENSION_ORDER)])),
    description=(
        "The OfficeRnD fact collections of each day (business date), validated together: "
        + ", ".join(f"`{t}`" for t in FACT_TABLES)
        + ". Each holds the records that passed validation (pandera schema, references, and "
        "for invoices the arithmetic to the öre) as typed columns plus the original "
        "`payload`; rejected records are in `quarantine.<table>` with the check, the "
        "offending value, the reason, the partition and when it was first seen. One asset "
        "for the six tables: Dagster writes two events per day and asset key, so a backfill "
        "costs a third of what one asset per table did. The materialization names each "
        "table's rows (`rows.<table>`), quarantine and a preview, the definition each "
        "table's columns (`columns.<table>`); its checks are "
        "named after the table."
    ),
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    metadata={
        "dagster/table_name": ", ".join(FACT_TABLES),
        "tables": FACT_TABLES,
        **{f"columns.{f.table_name}": _schema(f) for f in FACTS},
    },
)


def _checks(c: Collection) -> list[dg.AssetCheckSpec]:
    checks = [
        dg.AssetCheckSpec(
            check_name(c, QUARANTINE_EMPTY),
            asset=staging_key(c),
            description=f"No `{c.name}` record is quarantined (warns with the counts per check).",
        )
    ]
    if c.name == "payments":
        checks.append(
            dg.AssetCheckSpec(
                check_name(c, DOCUMENTS_COMPLETE),
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
                check_name(c, REFERENCES_CLEAN),
                asset=staging_key(c),
                blocking=True,
                description=f"Every `{c.name}` record is valid: invoice lines resolve against it, "
                "so a quarantined one stops everything downstream.",
            )
        )
    return checks


def _check_results(
    c: Collection, staged: StageResult, orphans: list[tuple[str, str, str]] | None = None
) -> list[dg.AssetCheckResult]:
    checks = [
        dg.AssetCheckResult(
            check_name=check_name(c, QUARANTINE_EMPTY),
            asset_key=staging_key(c),
            passed=staged.quarantined_records == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "quarantined_records": staged.quarantined_records,
                "by_check": staged.checks_failed,
            },
        )
    ]
    if orphans is not None:
        checks.append(
            dg.AssetCheckResult(
                check_name=check_name(c, DOCUMENTS_COMPLETE),
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
                check_name=check_name(c, REFERENCES_CLEAN),
                asset_key=staging_key(c),
                passed=staged.quarantined_records == 0,
                metadata={"quarantined_records": staged.quarantined_records},
            )
        )
    return checks


def _previews(staged: StageResult) -> tuple[dg.MetadataValue, dg.MetadataValue]:
    return (
        dg.MetadataValue.md(staged.preview.markdown(empty="(empty)")),
        dg.MetadataValue.md(staged.quarantine_preview.markdown()),
    )


def _result(c: Collection, staged: StageResult) -> dg.MaterializeResult:
    """A dimension's materialization: its table's figures and checks."""
    preview, quarantine_preview = _previews(staged)
    return dg.MaterializeResult(
        asset_key=staging_key(c),
        metadata={
            "dagster/row_count": staged.valid,
            "quarantined_records": staged.quarantined_records,
            "quarantined_by_check": staged.checks_failed,
            "preview": preview,
            "quarantine_preview": quarantine_preview,
        },
        check_results=_check_results(c, staged),
    )


def facts_metadata(staged: dict[str, StageResult]) -> dict[str, object]:
    """`staging/facts`' materialization metadata: the six tables' rows in total
    (`dagster/row_count`) and each table's rows, quarantine, columns and previews under
    `<kind>.<table>`. Dagster copies it into every day's event of a backfill, so it stays
    small (a preview is a few rows)."""
    metadata: dict[str, object] = {
        "dagster/row_count": sum(s.valid for s in staged.values()),
        "quarantined_records": sum(s.quarantined_records for s in staged.values()),
    }
    for f in FACTS:
        if f.name not in staged:
            continue
        s, table = staged[f.name], f.table_name
        preview, quarantine_preview = _previews(s)
        metadata |= {
            f"rows.{table}": s.valid,
            f"quarantined.{table}": s.quarantined_records,
            f"quarantined_by_check.{table}": s.checks_failed,
            f"preview.{table}": preview,
            f"quarantine_preview.{table}": quarantine_preview,
        }
    return metadata


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
    specs=[FACTS_SPEC],
    check_specs=[check for f in FACTS for check in _checks(f)],
    pool="duckdb",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def officernd_staging_facts(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """Validate the fact collections of the run's business-date window (one transaction each)."""
    start, end = business_date_window(context)
    staged: dict[str, StageResult] = {}
    checks: list[dg.AssetCheckResult] = []
    with warehouse.get_connection() as conn:
        for f in FACTS:
            staged[f.name] = stage_fact_window(conn, f, start, end)
            orphans = credit_notes_without_invoice(conn) if f.name == "payments" else None
            checks += _check_results(f, staged[f.name], orphans)
    return dg.MaterializeResult(
        asset_key=STAGING_FACTS, metadata=facts_metadata(staged), check_results=checks
    )
