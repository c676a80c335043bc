"""The marts (issue 7): MRR, its movements and KPIs, occupancy, revenue per m² and per desk,
the VAT return. Unpartitioned: each rebuilt whole from staging and `core` when anything it
reads changed since its last build, else left as it is (`rebuilt` in the metadata says which;
`warehouse/fingerprints.py`); charts of each in the materialization metadata; the VAT return
checked against what Visma holds."""

import base64
import hashlib
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import httpx
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.books import BOOKS
from assets.posting import DRY_RUN_TAG, POSTINGS
from assets.posting import VOUCHERS as DEFERRAL_VOUCHERS
from assets.staging import staging_keys
from ornd_visma.config import hotdesk_coefficient_setting
from ornd_visma.marts import charts
from ornd_visma.marts.build import Build
from ornd_visma.marts.comments import TABLES
from ornd_visma.marts.lifetime import build_lifetime
from ornd_visma.marts.margin import build_margin, location_cost_centers, read_costs
from ornd_visma.marts.mrr import POLICY as MRR_POLICY
from ornd_visma.marts.mrr import build_mrr
from ornd_visma.marts.occupancy import CONVENTIONS, build_occupancy, hotdesk_coefficient
from ornd_visma.marts.report import attach_report, ensure_log, month_voucher, report_png
from ornd_visma.marts.revenue import build_revenue
from ornd_visma.marts.vat_return import POLICY as VAT_POLICY
from ornd_visma.marts.vat_return import build_vat_return
from ornd_visma.preview import Preview, records_markdown
from ornd_visma.vat.reconcile import VatReconciliation, reconcile_vat_return
from ornd_visma.visma import VismaApiError, VismaAuthError, VismaUnavailable
from resources.mapping import MappingResource
from resources.visma import VismaResource

GROUP = "marts"
KINDS = {"duckdb", "sql"}


def mart_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", table])


MRR_MONTHLY, MRR_MOVEMENTS, KPIS_MONTHLY = map(
    mart_key, ("mrr_monthly", "mrr_movements", "kpis_monthly")
)
OCCUPANCY_DAILY, OCCUPANCY_MONTHLY = map(mart_key, ("occupancy_daily", "occupancy_monthly"))
REVENUE_DAILY, REVENUE_MONTHLY = map(mart_key, ("revenue_daily", "revenue_monthly"))
CUSTOMER_LIFETIME = mart_key("customer_lifetime")
MARGIN_MONTHLY = mart_key("margin_monthly")
REPORT_ATTACHMENTS = mart_key("report_attachments")
VAT_RETURN_MONTHLY = mart_key("vat_return_monthly")
# Checks, by name.
VAT_RETURN_MATCHES_VISMA = "vat_return_matches_visma"
VISMA_ERRORS = (VismaUnavailable, VismaApiError, VismaAuthError, httpx.HTTPError, OSError)


class MartsConfig(dg.Config):
    as_of: str | None = Field(
        default=None, description="ISO date the marts run to (default: today, UTC)"
    )
    hotdesk_coefficient: str | None = Field(
        default=None,
        description="Hot-desk members per desk (default: ORND_VISMA_HOTDESK_COEFFICIENT, else 1)",
    )
    prices_include_vat: bool = Field(
        default=False, description="Membership prices include VAT (take the plan's rate out)"
    )

    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else datetime.now(UTC).date()


def _staged(*names: str) -> list[dg.AssetKey]:
    return staging_keys(*names)


def _spec(key: dg.AssetKey, deps: list[dg.AssetKey], policy: str = "") -> dg.AssetSpec:
    table = key.path[-1]
    description, _ = TABLES[table]
    return dg.AssetSpec(
        key,
        deps=deps,
        description=f"{description}\n\n{policy}" if policy else description,
        group_name=GROUP,
        kinds=KINDS,
        metadata={"dagster/table_name": f"marts.{table}"},
    )


def _table_metadata(conn, table: str, order: str, limit: int = 10) -> dict:
    ((rows,),) = conn.execute(f"SELECT count(*) FROM marts.{table}").fetchall()
    columns = conn.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = 'marts' AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    preview = Preview.of_query(conn, f"SELECT * FROM marts.{table} ORDER BY {order} LIMIT {limit}")
    return {
        "dagster/row_count": rows,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(n, t, description=c) for n, t, c in columns]
        ),
        "preview": dg.MetadataValue.md(preview.markdown(empty="(empty)")),
    }


def _chart(name: str, rows: object, draw: Callable[[], bytes], directory: Path) -> dict:
    """A chart inline (shown in the UI) and as a file next to the warehouse. Drawn again only
    when the rows it shows changed: `<name>.inputs` holds their digest (drawing one costs a
    fifth of a second; last month's waterfall stays the same all month)."""
    directory.mkdir(parents=True, exist_ok=True)
    path, drawn_from = directory / f"{name}.png", directory / f"{name}.inputs"
    fingerprint = hashlib.sha256(repr(rows).encode()).hexdigest()
    if path.exists() and drawn_from.exists() and drawn_from.read_text() == fingerprint:
        png = path.read_bytes()
    else:
        png = draw()
        path.write_bytes(png)
        drawn_from.write_text(fingerprint)
    encoded = base64.b64encode(png).decode("ascii")
    return {
        name: dg.MetadataValue.md(f"![{name}](data:image/png;base64,{encoded})"),
        f"{name}_file": dg.MetadataValue.path(str(path)),
    }


def _rebuilt(build: Build) -> dict:
    """Whether the run rebuilt the mart or found its inputs as they were at its last build,
    and for a mart that runs to `as_of`, from which day it wrote when it kept the days
    before."""
    rebuilt_from = {"rebuilt_from": build.start.isoformat()} if build.start else {}
    return {"rebuilt": build.rebuilt, "inputs_fingerprint": build.fingerprint[:16], **rebuilt_from}


def _charts_dir(warehouse: DuckDBResource) -> Path:
    return Path(warehouse.database).with_name("charts")


@dg.multi_asset(
    specs=[
        _spec(
            MRR_MONTHLY,
            _staged("memberships", "plans", "revenue-accounts", "tax-rates"),
            MRR_POLICY,
        ),
        _spec(MRR_MOVEMENTS, [MRR_MONTHLY], MRR_POLICY),
        _spec(KPIS_MONTHLY, [MRR_MONTHLY, MRR_MOVEMENTS], MRR_POLICY),
    ],
    pool="duckdb",
)
def recurring_revenue(
    context: dg.AssetExecutionContext, config: MartsConfig, warehouse: DuckDBResource
):
    """MRR per customer, location and month from memberships (not invoices), its movements,
    and the monthly KPIs per location and in total; the policy in `ornd_visma.marts.mrr`."""
    as_of = config.as_of_date()
    directory = _charts_dir(warehouse)
    with warehouse.get_connection() as conn:
        summary = build_mrr(conn, as_of, prices_include_vat=config.prices_include_vat)
        month = charts.report_month(conn)
        waterfall = {}
        if month:
            steps = charts.waterfall_steps(conn, month)
            draw = lambda: charts.mrr_waterfall(steps, month)  # noqa: E731
            waterfall = _chart("mrr_waterfall", (month, steps), draw, directory)
        locations = charts.mrr_by_location_rows(conn)
        by_location = _chart(
            "mrr_by_location", locations, lambda: charts.mrr_by_location(locations), directory
        )
        monthly = _table_metadata(conn, "mrr_monthly", "month DESC, mrr DESC")
        movements = _table_metadata(conn, "mrr_movements", "month DESC, abs(amount) DESC")
        kpis = _table_metadata(conn, "kpis_monthly", "scope DESC, month DESC")
    context.log.info(
        f"MRR as of {as_of}: {summary.mrr} SEK from {summary.customers} customers, "
        f"{summary.movements} movements over {summary.months} months"
    )
    yield dg.MaterializeResult(
        asset_key=MRR_MONTHLY,
        metadata={
            **monthly,
            "as_of": as_of.isoformat(),
            "mrr_sek": str(summary.mrr),
            "customers": summary.customers,
            **_rebuilt(summary.build),
            **by_location,
        },
    )
    yield dg.MaterializeResult(
        asset_key=MRR_MOVEMENTS,
        metadata={
            **movements,
            "report_month": month.isoformat() if month else "(none)",
            **waterfall,
        },
    )
    yield dg.MaterializeResult(asset_key=KPIS_MONTHLY, metadata=kpis)


@dg.multi_asset(
    specs=[
        _spec(
            OCCUPANCY_DAILY,
            _staged(
                "resources",
                "resource-types",
                "memberships",
                "plans",
                "assignments",
                "floors",
                "locations",
                "checkins",
            ),
            CONVENTIONS,
        ),
        _spec(OCCUPANCY_MONTHLY, [OCCUPANCY_DAILY], CONVENTIONS),
    ],
    pool="duckdb",
)
def occupancy(context: dg.AssetExecutionContext, config: MartsConfig, warehouse: DuckDBResource):
    """Desks occupied and available per day, location, floor and primary resource type, and
    monthly occupancy by OfficeRnD's prorated and start-of-month conventions."""
    as_of = config.as_of_date()
    coefficient = hotdesk_coefficient(config.hotdesk_coefficient or hotdesk_coefficient_setting())
    with warehouse.get_connection() as conn:
        summary = build_occupancy(conn, as_of, coefficient=coefficient)
        rows = charts.occupancy_rows(conn)
        chart = _chart(
            "occupancy_over_time",
            rows,
            lambda: charts.occupancy_over_time(rows),
            _charts_dir(warehouse),
        )
        daily = _table_metadata(conn, "occupancy_daily", "date DESC, location, resource_type")
        monthly = _table_metadata(conn, "occupancy_monthly", "month DESC, location, resource_type")
    context.log.info(f"occupancy on {as_of}: {summary.latest_occupancy} ({summary.days} days)")
    yield dg.MaterializeResult(
        asset_key=OCCUPANCY_DAILY,
        metadata={
            **daily,
            "as_of": as_of.isoformat(),
            "hotdesk_coefficient": str(coefficient),
            "latest_occupancy": str(summary.latest_occupancy),
            **_rebuilt(summary.build),
        },
    )
    yield dg.MaterializeResult(
        asset_key=OCCUPANCY_MONTHLY,
        metadata={**monthly, **chart},
    )


@dg.multi_asset(
    specs=[
        _spec(REVENUE_DAILY, [BOOKS, *_staged("floors", "locations", "resources")]),
        _spec(REVENUE_MONTHLY, [REVENUE_DAILY, OCCUPANCY_MONTHLY]),
    ],
    pool="duckdb",
)
def revenue(warehouse: DuckDBResource):
    """Recognised revenue per day, location, floor and class from the books'
    `core.revenue_schedule`, and per month per m² of usable area and per occupied and
    available desk."""
    with warehouse.get_connection() as conn:
        summary = build_revenue(conn)
        daily = _table_metadata(conn, "revenue_daily", "date DESC, location, revenue_class")
        monthly = _table_metadata(conn, "revenue_monthly", "month DESC, location, level")
    yield dg.MaterializeResult(
        asset_key=REVENUE_DAILY,
        metadata={
            **daily,
            "schedule_present": summary.schedule_present,
            "revenue_sek": str(summary.revenue),
            **_rebuilt(summary.build),
        },
    )
    yield dg.MaterializeResult(asset_key=REVENUE_MONTHLY, metadata=monthly)


@dg.multi_asset(
    specs=[_spec(CUSTOMER_LIFETIME, [MRR_MONTHLY, KPIS_MONTHLY, BOOKS])],
    pool="duckdb",
)
def customer_lifetime(config: MartsConfig, warehouse: DuckDBResource):
    """Member lifetime value per customer: the revenue the books recognised so far, and what
    the current MRR is expected to add at the trailing churn rate."""
    as_of = config.as_of_date()
    with warehouse.get_connection() as conn:
        summary = build_lifetime(conn, as_of)
        metadata = _table_metadata(conn, "customer_lifetime", "expected_lifetime_value DESC")
    yield dg.MaterializeResult(
        asset_key=CUSTOMER_LIFETIME,
        metadata={
            **metadata,
            "as_of": as_of.isoformat(),
            "active_customers": summary.active,
            "books_present": summary.books_present,
            "revenue_to_date_sek": str(summary.revenue_to_date),
            **_rebuilt(summary.build),
        },
    )


@dg.multi_asset(specs=[_spec(VAT_RETURN_MONTHLY, [BOOKS], VAT_POLICY)], pool="duckdb")
def vat_return(warehouse: DuckDBResource, mapping: MappingResource):
    """The momsdeklaration per Visma company and month from the ready invoices and credit
    notes: each box's base or output VAT to the öre, and the whole kronor declared."""
    with warehouse.get_connection() as conn:
        summary = build_vat_return(conn, mapping.load())
        metadata = _table_metadata(conn, "vat_return_monthly", "month DESC, entity, box", 20)
    yield dg.MaterializeResult(
        asset_key=VAT_RETURN_MONTHLY,
        metadata={
            **metadata,
            "books_present": summary.books_present,
            "months": summary.months,
            "output_vat_sek": str(summary.output_vat),
            **_rebuilt(summary.build),
        },
    )


def _vat_check_result(result: VatReconciliation) -> dg.AssetCheckResult:
    if result.unreadable:
        verdict = "Visma not read for " + ", ".join(sorted(result.unreadable))
    elif result.mismatches:
        verdict = f"{len(result.mismatches)} boxes differ between Visma and the books"
    elif not result.visma_read:
        verdict = "dry run: Visma not read"
    else:
        verdict = "Visma's VAT return equals the books' in every box, to the öre"
    if result.not_in_visma:
        verdict += f"; {len(result.not_in_visma)} documents not in Visma, set aside"
    return dg.AssetCheckResult(
        check_name=VAT_RETURN_MATCHES_VISMA,
        asset_key=VAT_RETURN_MONTHLY,
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=verdict,
        metadata={
            "visma_read": result.visma_read,
            "unreadable_entities": dict(result.unreadable),
            "boxes": len(result.rows),
            "mismatches": dg.MetadataValue.md(records_markdown(result.mismatches)),
            "vat_return": dg.MetadataValue.md(records_markdown(result.rows, limit=80)),
            "not_in_visma": dg.MetadataValue.md(records_markdown(result.not_in_visma)),
            "other_vat_codes_in_visma": dg.MetadataValue.md(records_markdown(result.other_codes)),
            "held_in_books": result.held_in_books,
        },
    )


@dg.asset_check(
    asset=VAT_RETURN_MONTHLY,
    name=VAT_RETURN_MATCHES_VISMA,
    description="Per entity, month and momsdeklaration box, to the öre: the VAT return Visma "
    "holds (every voucher, read back through its API, by VAT code) equals the books' "
    "(marts.vat_return_monthly); documents not in Visma (held, failed, pending, a correction "
    "half-way) are set aside on both sides and listed with the reason. Fails when a box "
    "differs or a Visma company cannot be read.",
    additional_deps=[POSTINGS, DEFERRAL_VOUCHERS],
    pool="duckdb",
)
def vat_return_matches_visma(
    context: dg.AssetCheckExecutionContext,
    warehouse: DuckDBResource,
    mapping: MappingResource,
    visma: VismaResource,
) -> dg.AssetCheckResult:
    the_mapping = mapping.load()
    with warehouse.get_connection() as conn, ExitStack() as stack:
        clients = None if _dry(context) else visma.clients(the_mapping, stack)
        result = reconcile_vat_return(conn, the_mapping, clients, errors=VISMA_ERRORS)
    for entity, why in result.unreadable.items():
        context.log.error(f"VAT return not checked in {entity}: {why}")
    return _vat_check_result(result)


def _dry(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> bool:
    return context.run.tags.get(DRY_RUN_TAG, "false").lower() == "true"


def _entity_costs(the_mapping, clients: dict) -> tuple[list, dict[str, str]]:
    """Each Visma company's costs on the cost centers of its own locations; and why a
    company could not be read."""
    costs, unread = [], {}
    for entity, client in clients.items():
        own = {
            loc.cost_center_item
            for loc in the_mapping.locations.values()
            if loc.entity == entity and loc.cost_center_item
        }
        try:
            costs += [row for row in read_costs(client) if row.cost_center_item in own]
        except VISMA_ERRORS as error:
            unread[entity] = f"{type(error).__name__}: {error}"
    return costs, unread


@dg.multi_asset(specs=[_spec(MARGIN_MONTHLY, [REVENUE_MONTHLY])], pool="duckdb")
def margin(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBResource,
    mapping: MappingResource,
    visma: VismaResource,
):
    """Occupancy-driven margin per location and month: revenue less the costs Visma holds on
    the location's cost center (voucher rows on cost accounts); not available, with the
    reason, where it holds none or cannot be read."""
    the_mapping = mapping.load()
    cost_centers = location_cost_centers(the_mapping)
    costs, reason = None, ""
    if _dry(context):
        reason = "dry run: Visma not read"
    else:
        with ExitStack() as stack:
            costs, unread = _entity_costs(the_mapping, visma.clients(the_mapping, stack))
        if unread:
            costs = None
            reason = "Visma costs not read: " + "; ".join(f"{e}: {w}" for e, w in unread.items())
            context.log.warning(reason)
    with warehouse.get_connection() as conn:
        summary = build_margin(conn, cost_centers, costs, unavailable_reason=reason)
        metadata = _table_metadata(conn, "margin_monthly", "month DESC, location")
    yield dg.MaterializeResult(
        asset_key=MARGIN_MONTHLY,
        metadata={
            **metadata,
            "location_months_with_costs": summary.available,
            "costs_read": costs is not None,
            "not_read_because": reason or "",
            **_rebuilt(summary.build),
        },
    )


@dg.multi_asset(
    specs=[_spec(REPORT_ATTACHMENTS, [KPIS_MONTHLY, MRR_MOVEMENTS, DEFERRAL_VOUCHERS])],
    pool="duckdb",
)
def mrr_report_in_visma(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBResource,
    mapping: MappingResource,
    visma: VismaResource,
):
    """The monthly MRR report (waterfall and KPIs of the latest complete month) attached to
    that month's deferral voucher in each Visma company, once; skipped, with the reason,
    where the voucher is not in Visma yet."""
    the_mapping = mapping.load()
    entities = sorted({loc.entity for loc in the_mapping.locations.values()})
    done, skipped = [], {}
    with warehouse.get_connection() as conn:
        ensure_log(conn)
        month = charts.report_month(conn)
        if month is None:
            skipped = {e: "no MRR yet" for e in entities}
        elif _dry(context):
            skipped = {e: "dry run: nothing sent" for e in entities}
        else:
            png = report_png(conn, month)
            vouchers = {e: month_voucher(conn, month, e) for e in entities}
            skipped = {
                e: f"no voucher of {month:%Y-%m} in Visma yet" for e, v in vouchers.items() if not v
            }
            with ExitStack() as stack:
                clients = visma.clients(the_mapping, stack)
                for entity, voucher in vouchers.items():
                    if not voucher:
                        continue
                    try:
                        attached = attach_report(
                            conn, clients[entity], month=month, entity=entity,
                            voucher_id=voucher, png=png,
                        )  # fmt: skip
                    except VISMA_ERRORS as error:
                        skipped[entity] = f"{type(error).__name__}: {error}"
                        context.log.warning(f"MRR report not attached in {entity}: {error}")
                    else:
                        done.append((entity, attached))
        metadata = _table_metadata(conn, "report_attachments", "attached_at DESC")
    yield dg.MaterializeResult(
        asset_key=REPORT_ATTACHMENTS,
        metadata={
            **metadata,
            "report_month": month.isoformat() if month else "(none)",
            "attached": dg.MetadataValue.md(
                "\n".join(
                    f"- {e}: `{a.file_name}` on voucher {a.voucher_id}"
                    + ("" if a.linked else " (already there)")
                    for e, a in done
                )
                or "(none)"
            ),
            "skipped": dg.MetadataValue.md(
                "\n".join(f"- {e}: {why}" for e, why in skipped.items()) or "(none)"
            ),
        },
    )


MART_ASSETS = [recurring_revenue, occupancy, revenue, customer_lifetime, margin, vat_return]
MART_CHECKS = [vat_return_matches_visma]
# The Visma side effect comes after the snapshot's inputs: not in MART_KEYS's tables.
REPORT_ASSETS = [mrr_report_in_visma]
MART_KEYS = [key for a in MART_ASSETS for key in a.keys]
