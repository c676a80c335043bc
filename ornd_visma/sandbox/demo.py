"""The README's first command: generate an operator, serve it on the OfficeRnD simulator, run
the pipeline once over the dataset's whole range (a one-run backfill, recorded in the project's
Dagster instance), and report what landed where."""

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

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
    dataset = generate(scale, seed, defect_rate)
    write_dataset(workdir / "dataset", dataset.collections, dataset.defects)
    warehouse = workdir / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    app = create_officernd_app(workdir / "dataset", workdir / "state")
    with running(app) as base_url:
        os.environ.update(
            OFFICERND_API_URL=f"{base_url}/api/v2",
            OFFICERND_AUTH_URL=base_url,
            ORND_VISMA_WAREHOUSE=str(warehouse),
            ORND_VISMA_START_DATE=min(
                _first_business_day(dataset.collections), date(2024, 11, 1)
            ).isoformat(),
        )
        from ornd_visma.definitions import launch_range  # reads the environment set above

        first = _first_business_day(dataset.collections)
        # To the latest partition (yesterday): its window also holds future-dated bookings.
        last = date.today() - timedelta(days=1)
        result = launch_range(first, last)
    return _report(result.run_id, result.success, first, last, warehouse, dataset)


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
    return "\n".join(out)
