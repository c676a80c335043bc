"""Posting to Visma (issue 6): the outbox posted exactly once per document revision, the
periodisation vouchers (deferrals and accruals), and the reconciliation checks that read
Visma back.

A dry run (`PostingConfig(dry_run=True)` in the run config, or the run tag
`ornd_visma/dry_run=true` that `ornd-visma run --dry-run` sets) computes every payload,
records it as `would_post`, and puts a summary and previews into the metadata; it builds
no Visma client, so it cannot send anything.
"""

from contextlib import ExitStack
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.books import BOOKS, REVENUE_ACCRUALS, REVENUE_DEFERRALS
from assets.partitions import business_date_window, daily_partitions
from assets.staging import staging_keys
from ornd_visma.jsontext import dumps
from ornd_visma.posting.poster import Poster, Summary
from ornd_visma.posting.reconcile import Reconciliation, reconcile
from ornd_visma.preview import records_markdown
from resources.mapping import MappingResource
from resources.visma import VismaResource

GROUP = "post"
DRY_RUN_TAG = "ornd_visma/dry_run"
POSTINGS = dg.AssetKey(["posting", "outbox"])
VOUCHERS = dg.AssetKey(["posting", "deferral_vouchers"])
# Checks, by name.
VISMA_MATCHES_BOOKS = "visma_matches_books"
NO_FAILED_DOCUMENTS = "no_failed_documents"
ONE_COPY_IN_VISMA = "one_copy_in_visma"

INVOICE_MODE_WARNING = (
    "posting_mode invoices: Visma issues and sends the invoices, so OfficeRnD's own invoice "
    "sending must be off (Billing settings), or members are charged twice"
)
_CUSTOMERS = staging_keys("companies", "members", "payments")


class PostingConfig(dg.Config):
    dry_run: bool = False


def _dry(context: dg.AssetExecutionContext, config: PostingConfig) -> bool:
    return config.dry_run or context.run.tags.get(DRY_RUN_TAG, "false").lower() == "true"


def _listing(rows: list[tuple], limit: int = 50) -> str:
    if not rows:
        return "(none)"
    lines = [f"- **{number or key}** (`{key}`): {text}" for key, number, text in rows[:limit]]
    more = len(rows) - limit
    return "\n".join(lines) + (f"\n- … and {more} more" if more > 0 else "")


def _summary_metadata(summary: Summary) -> dict:
    previews = "\n\n".join(
        f"```json\n{dumps(p, indent=True).decode()}\n```" for p in summary.previews
    )
    return {
        **summary.as_metadata(),
        "held_documents": dg.MetadataValue.md(_listing(summary.held)),
        "failed_documents": dg.MetadataValue.md(_listing(summary.failed)),
        "previews": dg.MetadataValue.md(previews or "(nothing to send)"),
    }


def _checks(recon: Reconciliation, summary: Summary, dry: bool) -> list[dg.AssetCheckResult]:
    failed = [m for m in recon.missing if m["state"] == "failed"]
    return [
        dg.AssetCheckResult(
            check_name=VISMA_MATCHES_BOOKS,
            asset_key=POSTINGS,
            severity=dg.AssetCheckSeverity.ERROR,
            passed=not (recon.mismatches or recon.books_mismatches or summary.unreachable),
            metadata={
                "visma_read": recon.visma_read and not dry,
                "unreachable_entities": dict(summary.unreachable),
                "buckets": len(recon.rows),
                "visma_mismatches": dg.MetadataValue.md(records_markdown(recon.mismatches)),
                "books_mismatches": dg.MetadataValue.md(records_markdown(recon.books_mismatches)),
                "not_in_visma": dg.MetadataValue.md(records_markdown(recon.missing)),
                "totals": dg.MetadataValue.md(records_markdown(recon.rows)),
            },
        ),
        dg.AssetCheckResult(
            check_name=NO_FAILED_DOCUMENTS,
            asset_key=POSTINGS,
            severity=dg.AssetCheckSeverity.ERROR,
            passed=not failed and not summary.failed,
            metadata={
                "failed": len(failed),
                "failed_documents": dg.MetadataValue.md(records_markdown(failed)),
            },
        ),
        dg.AssetCheckResult(
            check_name=ONE_COPY_IN_VISMA,
            asset_key=POSTINGS,
            severity=dg.AssetCheckSeverity.ERROR,
            passed=not recon.duplicates,
            metadata={"duplicates": dg.MetadataValue.md(records_markdown(recon.duplicates))},
        ),
    ]


@dg.asset(
    key=POSTINGS,
    deps=[BOOKS, *_CUSTOMERS],
    group_name=GROUP,
    kinds={"duckdb", "visma"},
    metadata={"dagster/table_name": "posting.outbox"},
    pool="duckdb",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        dg.AssetCheckSpec(
            VISMA_MATCHES_BOOKS,
            asset=POSTINGS,
            description="Per day, location and VAT rate, to the öre: OfficeRnD's totals (the "
            "payments' JSON) equal the warehouse's, and what Visma holds (read back through "
            "its API) equals the warehouse's documents confirmed in Visma; lists the documents "
            "not in Visma with the reason.",
        ),
        dg.AssetCheckSpec(
            NO_FAILED_DOCUMENTS,
            asset=POSTINGS,
            description="No document of the window was refused by Visma (lists each with "
            "Visma's error code and message).",
        ),
        dg.AssetCheckSpec(
            ONE_COPY_IN_VISMA,
            asset=POSTINGS,
            description="No document revision is in Visma more than once (by the outbox tag "
            "in the vouchers Visma holds).",
        ),
    ],
)
def visma_postings(
    context: dg.AssetExecutionContext,
    config: PostingConfig,
    warehouse: DuckDBResource,
    mapping: MappingResource,
    visma: VismaResource,
) -> dg.MaterializeResult:
    """The window's ready invoices and credit notes, and their customers, posted to Visma
    exactly once through the outbox (`posting.outbox`, every request in `posting.audit`):
    ledger items with vouchers, or invoices from drafts (`posting_mode`); documents changed
    after posting corrected or held (`on_change`); then Visma read back and reconciled."""
    start, end = business_date_window(context)
    dry = _dry(context, config)
    the_mapping = mapping.load()
    if the_mapping.posting_mode == "invoices":
        context.log.warning(INVOICE_MODE_WARNING)
    with warehouse.get_connection() as conn, ExitStack() as stack:
        clients = None if dry else visma.clients(the_mapping, stack)
        poster = Poster(conn, the_mapping, clients, dry_run=dry, run_id=context.run.run_id)
        summary = poster.run(start, end)
        reachable = {e: c for e, c in (clients or {}).items() if e not in summary.unreachable}
        recon = reconcile(
            conn, start, end or date(9999, 12, 31), None if dry else reachable,
            skip_accounts={the_mapping.accounts.receivable, the_mapping.accounts.rounding},
        )  # fmt: skip
        rows = conn.execute("SELECT count(*) FROM posting.outbox").fetchone()[0]
    if summary.failed:
        context.log.warning(f"{len(summary.failed)} documents refused by Visma")
    for entity, why in summary.unreachable.items():
        context.log.error(f"Visma company {entity} out of reach, nothing posted there: {why}")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, **_summary_metadata(summary)},
        check_results=_checks(recon, summary, dry),
    )


@dg.asset(
    key=VOUCHERS,
    deps=[REVENUE_DEFERRALS, REVENUE_ACCRUALS, POSTINGS],
    group_name=GROUP,
    kinds={"duckdb", "visma"},
    pool="duckdb",
)
def visma_deferral_vouchers(
    context: dg.AssetExecutionContext,
    config: PostingConfig,
    warehouse: DuckDBResource,
    mapping: MappingResource,
    visma: VismaResource,
) -> dg.MaterializeResult:
    """The periodisation vouchers, posted without VAT codes: from `core.revenue_deferrals`
    each ended month's deferral (on its last day: debit revenue per cost center, credit
    deferred revenue) and each started month's release (on its first day, the other way);
    from `core.revenue_accruals` (unless `accrue_income` is false) each ended month's accrual
    (on its last day: debit accrued income, credit revenue) and each started month's reversal
    of it (on its first day). A late document that changes a month already posted corrects
    its voucher: a reversal, then the new content."""
    dry = _dry(context, config)
    the_mapping = mapping.load()
    with warehouse.get_connection() as conn, ExitStack() as stack:
        clients = None if dry else visma.clients(the_mapping, stack)
        poster = Poster(conn, the_mapping, clients, dry_run=dry, run_id=context.run.run_id)
        summary = poster.run_vouchers(date.today())
    return dg.MaterializeResult(metadata=_summary_metadata(summary))
