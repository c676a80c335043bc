"""The README's first command: generate an operator, serve it on the OfficeRnD and Visma
simulators, run the pipeline once over the dataset's whole range (a one-run backfill, recorded
in the project's Dagster instance: extract, validate, books, marts, post to Visma), and report
what landed where: the warehouse's tables, the reconciliation of OfficeRnD, the warehouse and
Visma (read back through its API), the VAT return per Visma company and month with whether
Visma's agrees, and what the simulated Visma holds.

Each demo starts from an empty warehouse *and* an empty Visma company (and token store): the
outbox that makes posting exactly-once lives in the warehouse, so keeping the Visma state of
an earlier demo while dropping its warehouse would post everything a second time.
"""

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from ornd_visma.officernd.collections import COLLECTIONS
from ornd_visma.sandbox.dataset import write_dataset
from ornd_visma.sandbox.generator import generate
from ornd_visma.sandbox.officernd import create_officernd_app
from ornd_visma.sandbox.server import running


@dataclass
class TableCounts:
    collection: str
    served: int
    raw: int
    staging: int
    quarantined: int


@dataclass
class DemoReport:
    run_id: str
    success: bool
    first_day: date
    last_day: date
    tables: list[TableCounts]
    quarantine: list[tuple[str, str, int, str]]  # table, check, records, an example reason
    planted_defects: int
    outbox: dict[str, int] = field(default_factory=dict)  # state -> rows
    reconciliation: dict[str, Any] = field(default_factory=dict)
    vat_return: dict[str, Any] = field(default_factory=dict)
    visma: dict[str, Any] = field(default_factory=dict)  # a summary of inspect_state


def _first_business_day(collections: dict[str, list[dict]]) -> date:
    days = []
    for c in COLLECTIONS:
        for record in collections[c.name] if c.business_date else ():
            try:
                days.append(date.fromisoformat(str(record.get(c.business_date))[:10]))
            except ValueError:
                continue
    return min(days)


def run_demo(workdir: Path, scale: str, seed: int, defect_rate: float = 0.0) -> DemoReport:
    from ornd_visma.sandbox.visma import create_visma_app

    dataset = generate(scale, seed, defect_rate)
    write_dataset(workdir / "dataset", dataset.collections, dataset.defects)
    warehouse = workdir / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    state = workdir / "state"
    shutil.rmtree(state / "visma", ignore_errors=True)  # a fresh Visma company ...
    shutil.rmtree(state / "visma-tokens", ignore_errors=True)  # ... and its token chain
    app = create_officernd_app(workdir / "dataset", state)
    visma = create_visma_app(state)
    with running(app) as base_url, running(visma) as visma_url:
        os.environ.update(
            OFFICERND_API_URL=f"{base_url}/api/v2",
            OFFICERND_AUTH_URL=base_url,
            VISMA_API_URL=f"{visma_url}/v2",
            VISMA_AUTH_URL=visma_url,
            ORND_VISMA_STATE_DIR=str(state),
            ORND_VISMA_WAREHOUSE=str(warehouse),
            ORND_VISMA_START_DATE=min(
                _first_business_day(dataset.collections), date(2024, 11, 1)
            ).isoformat(),
        )
        from ornd_visma.definitions import launch_range  # reads the environment set above

        first = _first_business_day(dataset.collections)
        # To the latest partition (yesterday): its window also holds future-dated bookings.
        last = date.today() - timedelta(days=1)
        print(f"one run over {first} .. {last}: extract, validate, books, post, marts", flush=True)
        result = launch_range(first, last, progress=True)
        report = _report(result.run_id, result.success, first, last, warehouse, dataset)
        report.reconciliation = _reconciliation(warehouse, first)
        report.vat_return = _vat_return(warehouse)
    report.visma = _visma_summary(state)
    return report


def _mapping_and_clients():
    """The mapping in force and a Visma client per entity (close them when done)."""
    from ornd_visma.config import mapping_path
    from ornd_visma.mapping import load_mapping
    from ornd_visma.visma import TokenStore, VismaClient, state_dir, visma_settings

    mapping = load_mapping(mapping_path())
    clients = {
        name: VismaClient(visma_settings(name, entity.env_prefix), TokenStore(state_dir(), name))
        for name, entity in mapping.entities.items()
    }
    return mapping, clients


def _vat_return(warehouse: Path) -> dict[str, Any]:
    """The VAT return per entity and month (`marts.vat_return_monthly`), and where Visma's,
    read back over its API, differs (the check `vat_return_matches_visma`)."""
    from ornd_visma.vat.reconcile import reconcile_vat_return

    mapping, clients = _mapping_and_clients()
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = reconcile_vat_return(conn, mapping, clients)
        declared = conn.execute(
            "SELECT entity, month, box, declared FROM marts.vat_return_monthly ORDER BY ALL"
        ).fetchall()
    finally:
        conn.close()
        for client in clients.values():
            client.close()
    return {
        "declared": declared,
        "mismatches": result.mismatches,
        "not_in_visma": len(result.not_in_visma),
        "passed": result.passed,
    }


def _reconciliation(warehouse: Path, first: date) -> dict[str, Any]:
    """OfficeRnD ↔ warehouse ↔ Visma over the whole range, Visma read back over its API."""
    from ornd_visma.posting.reconcile import reconcile

    mapping, clients = _mapping_and_clients()
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = reconcile(
            conn, first, date(9999, 12, 31), clients,
            skip_accounts={mapping.accounts.receivable, mapping.accounts.rounding},
        )  # fmt: skip
        states = dict(
            conn.execute("SELECT state, count(*) FROM posting.outbox GROUP BY 1").fetchall()
        )
    finally:
        conn.close()
        for client in clients.values():
            client.close()

    def total(side: str, part: str) -> Any:
        values = [r[f"{side}_{part}"] for r in result.rows if r[f"{side}_{part}"] is not None]
        return sum(values) if values else 0

    return {
        "buckets": len(result.rows),
        "mismatches": result.mismatches,
        "books_mismatches": result.books_mismatches,
        "duplicates": result.duplicates,
        "missing": result.missing,
        "outbox": states,
        "totals": {
            side: (total(side, "net"), total(side, "vat"))
            for side in ("officernd", "warehouse", "posted", "visma")
        },
    }


def _visma_summary(state: Path) -> dict[str, Any]:
    from ornd_visma.sandbox.visma import inspect_state

    held = inspect_state(state)
    accounts = held["totals"]["accounts"]
    return {
        "counts": held["counts"],
        "balanced": held["totals"]["balanced"],
        "debit": held["totals"]["debit"],
        "accounts": {number: (a["name"], a["balance"]) for number, a in accounts.items()},
        "vat_codes": {
            code: (v["description"], v["base"], v["vat"])
            for code, v in held["totals"]["vat_codes"].items()
        },
        "cost_centers": {
            v["short_name"]: v["balance"] for v in held["totals"]["cost_center_items"].values()
        },
    }


def _report(run_id, success, first, last, warehouse: Path, dataset) -> DemoReport:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        existing = {
            (schema, table)
            for schema, table in conn.execute(
                "SELECT schema_name, table_name FROM duckdb_tables()"
            ).fetchall()
        }

        def count(schema: str, table: str, expr: str = "count(*)") -> int:
            if (schema, table) not in existing:
                return 0
            return conn.execute(f"SELECT {expr} FROM {schema}.{table}").fetchall()[0][0]

        tables = [
            TableCounts(
                c.name,
                len(dataset.collections[c.name]),
                count("raw", c.table_name),
                count("staging", c.table_name),
                count("quarantine", c.table_name),  # one row per quarantined record
            )
            for c in COLLECTIONS
        ]
        quarantine = []
        for c in COLLECTIONS:
            if ("quarantine", c.table_name) in existing:
                quarantine += [
                    (c.name, *row)
                    for row in conn.execute(
                        f"""SELECT check_name, count(*), any_value(reason)

                            FROM quarantine.{c.table_name} GROUP BY check_name ORDER BY 1"""
                    ).fetchall()
                ]
    finally:
        conn.close()
    return DemoReport(run_id, success, first, last, tables, quarantine, len(dataset.defects))


def format_report(report: DemoReport) -> str:
    status = "succeeded" if report.success else "FAILED"
    out = [
        f"Dagster run {report.run_id} {status}: one run over {report.first_day} .. "
        f"{report.last_day} (see it with `make ui`)",
        "",
        f"  {'collection':<18}{'served':>9}{'raw':>9}{'staging':>9}{'quarantined':>13}",
    ]
    for t in report.tables:
        flag = "" if t.served == t.staging + t.quarantined else "  <-- not all placed yet"
        out.append(
            f"  {t.collection:<18}{t.served:>9}{t.raw:>9}{t.staging:>9}{t.quarantined:>13}{flag}"
        )
    out += ["", "Quarantine (table, check, records, example):"]
    out += [
        f"  {table:<16}{check:<30}{n:>5}  {reason[:90]}"
        for table, check, n, reason in report.quarantine
    ] or ["  (empty)"]
    if report.planted_defects:
        out.append(f"\n{report.planted_defects} defects were planted (dataset/defects.json)")
    out += _format_posting(report)
    return "\n".join(out)


def _format_posting(report: DemoReport) -> list[str]:
    recon, visma = report.reconciliation, report.visma
    if not recon:
        return []
    out = ["", "Posting (posting.outbox rows by state): " + ", ".join(
        f"{state} {n}" for state, n in sorted(recon["outbox"].items()))]  # fmt: skip
    out += ["", "Reconciliation, per day × location × VAT rate "
            f"({recon['buckets']} buckets), net / VAT:"]  # fmt: skip
    labels = {"officernd": "OfficeRnD JSON", "warehouse": "warehouse (core)",
              "posted": "  of which posted", "visma": "Visma, read back"}  # fmt: skip
    for side, (net, vat) in recon["totals"].items():
        out.append(f"  {labels[side]:<18}{net:>16}{vat:>14}")
    verdict = "all equal to the öre" if not (recon["mismatches"] or recon["books_mismatches"]) \
        else "MISMATCH"  # fmt: skip
    out.append(f"  OfficeRnD = warehouse, and Visma = what was posted, in every bucket: {verdict}; "
               f"duplicates in Visma: {len(recon['duplicates'])}")  # fmt: skip
    for row in (recon["mismatches"] + recon["books_mismatches"])[:10]:
        out.append(f"    {row}")
    if recon["missing"]:
        out.append(f"  not in Visma ({len(recon['missing'])} documents, with the reason):")
        for m in recon["missing"][:10]:
            out.append(f"    {m['document_number']:<14}{m['state']:<10}{(m['reason'] or '')[:80]}")
    out += _format_vat_return(report.vat_return)
    counts = visma.get("counts", {})
    out += ["", "The simulated Visma holds (ornd-visma sandbox inspect --state DIR/state):"]
    out.append("  " + ", ".join(f"{name} {n}" for name, n in counts.items() if n))
    out.append(
        f"  vouchers balanced: {visma.get('balanced')} (debit = credit = {visma.get('debit')})"
    )
    for number, (name, balance) in visma.get("accounts", {}).items():
        out.append(f"  {number} {str(name)[:56]:<58}{balance:>14}")
    if visma.get("cost_centers"):
        out.append("  cost centers: " + ", ".join(
            f"{name} {balance}" for name, balance in visma["cost_centers"].items()))  # fmt: skip
    return out


def _format_vat_return(vat: dict[str, Any]) -> list[str]:
    """Per entity and month a line of the boxes (whole kronor, as declared) and whether
    Visma's return agrees; a month only Visma has shows with empty boxes."""
    if not vat:
        return []
    declared: dict[tuple, dict[str, int]] = {}
    for entity, month, box, kronor in vat["declared"]:
        declared.setdefault((entity, month), {})[box] = kronor
    differs: dict[tuple, list[str]] = {}
    for m in vat["mismatches"]:
        differs.setdefault((m["entity"], m["month"]), []).append(f"{m['box']} {m['difference']:+}")
    boxes = sorted({box for row in declared.values() for box in row})
    out = [
        "",
        "VAT return per Visma company and month (boxes of the momsdeklaration, whole kronor "
        "with the öre dropped; to the öre in marts.vat_return_monthly), and Visma's:",
        f"  {'entity':<8}{'month':<9}" + "".join(f"{b:>10}" for b in boxes) + "   Visma",
    ]
    for entity, month in sorted(set(declared) | set(differs)):
        row = declared.get((entity, month), {})
        cells = "".join(f"{row[b]:>10}" if b in row else " " * 10 for b in boxes)
        diff = differs.get((entity, month))
        verdict = "DIFFERS " + ", ".join(diff[:4]) if diff else "agrees"
        out.append(f"  {entity:<8}{month:%Y-%m}  {cells}   {verdict}")
    if vat["passed"]:
        summary = "Visma's VAT return equals the books' in every box, to the öre"
    else:
        summary = f"{len(vat['mismatches'])} boxes differ (check vat_return_matches_visma)"
    if vat["not_in_visma"]:
        summary += f"; {vat['not_in_visma']} documents not in Visma set aside"
    out.append(f"  {summary}")
    return out
