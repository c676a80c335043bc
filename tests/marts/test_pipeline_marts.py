"""The marts in real Dagster runs of the whole job on the small generated dataset (seed 7):
MRR and movements against figures computed here straight from `memberships.json`, occupancy
of the last day from `resources.json` and `assignments.json`, revenue equal to the books'
schedule, charts in the metadata, and an analyst process reading the snapshot while a second
run writes."""

import base64
import json
import subprocess
import sys
from collections import defaultdict
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ornd_visma.config import mapping_path
from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
from ornd_visma.sandbox.server import running
from ornd_visma.sandbox.visma import VismaOptions, create_visma_app
from ornd_visma.warehouse.snapshot import snapshot_path
from resources.officernd import OfficeRnDResource
from resources.visma import VismaResource
from tests.conftest import UNLIMITED, read_collection
from tests.pipeline.conftest import FIRST_DAY, last_day, warehouse_at

AS_OF = date(2026, 11, 20)  # the generator's simulated today
MART_OPS = ("recurring_revenue", "occupancy", "customer_lifetime")


def _run(resources: dict, instance: dg.DagsterInstance):
    from ornd_visma.definitions import defs

    job = defs.resolve_job_def("daily_books")
    return job.execute_in_process(
        instance=instance,
        run_config={"ops": {op: {"config": {"as_of": AS_OF.isoformat()}} for op in MART_OPS}},
        tags={
            "dagster/asset_partition_range_start": FIRST_DAY,
            "dagster/asset_partition_range_end": last_day(),
        },
        resources=resources,
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def pipeline(small_dir, tmp_path_factory):
    """The small dataset served by the simulator, run through the whole job once; yields the
    warehouse path, the resources and the instance for further runs."""
    state = tmp_path_factory.mktemp("marts_state")
    db = tmp_path_factory.mktemp("marts_wh") / "wh.duckdb"
    app = create_officernd_app(small_dir, state, OfficeRnDOptions(**UNLIMITED))
    visma_app = create_visma_app(tmp_path_factory.mktemp("marts_visma"), VismaOptions())
    with running(app) as base_url, running(visma_app) as visma_url:
        resources = {
            "visma": VismaResource(
                api_url=f"{visma_url}/v2",
                auth_url=visma_url,
                client_id="sandbox",
                client_secret="sandbox",
                state_dir=str(state),
            ),
            "officernd": OfficeRnDResource(
                api_url=f"{base_url}/api/v2",
                auth_url=base_url,
                org_slug="sandbox",
                client_id="sandbox",
                client_secret="sandbox",
            ),
            "warehouse": warehouse_at(db),
        }
        instance = dg.DagsterInstance.ephemeral()
        result = _run(resources, instance)
        assert result.success
        yield db, resources, instance


def visma_client(resources: dict, stack: ExitStack):
    from ornd_visma.mapping import load_mapping

    return resources["visma"].clients(load_mapping(mapping_path()), stack)["main"]


def query(db: Path, sql: str, params=None) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _month_ends(first: date, last: date):
    month = first.replace(day=1)
    while month <= last:
        nxt = (month + timedelta(days=32)).replace(day=1)
        yield month, min(nxt - timedelta(days=1), last)
        month = nxt


def expected_mrr(small_dir: Path) -> dict[tuple[date, str, str], Decimal]:
    """Per (month, location, customer): price − discount of the monthly memberships live on
    the month's last day (or on AS_OF), straight from the JSON."""
    plans = {p["_id"]: p for p in read_collection(small_dir, "plans")}
    memberships = [
        m
        for m in read_collection(small_dir, "memberships")
        if (m.get("intervalLength") or plans[m["plan"]]["intervalLength"]) == "month"
        and m["status"] != "not_approved"
    ]
    first = min(_day(m["startDate"]) for m in memberships)
    out: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
    for month, snap in _month_ends(first, AS_OF):
        for m in memberships:
            start, end = _day(m["startDate"]), _day(m["endDate"])
            if start <= snap and (end is None or end >= snap):
                amount = max(Decimal(m["price"]) - Decimal(m["discountAmount"] or 0), Decimal(0))
                out[(month, m["location"], m.get("company") or m["member"])] += amount
    return {k: v for k, v in out.items() if v > 0}


def test_mrr_equals_the_memberships(pipeline, small_dir):
    db, _, _ = pipeline
    rows = query(db, "SELECT month, location, customer, mrr FROM marts.mrr_monthly")
    assert {(m, loc, c): v for m, loc, c, v in rows} == expected_mrr(small_dir)


def test_movements_are_the_month_on_month_changes(pipeline, small_dir):
    db, _, _ = pipeline
    mrr = expected_mrr(small_dir)
    months = sorted({m for m, _, _ in mrr})
    pairs = {(loc, c) for _, loc, c in mrr}
    expected = set()
    for loc, c in pairs:
        seen = False
        previous = Decimal(0)
        for month in months:
            current = mrr.get((month, loc, c), Decimal(0))
            if previous == 0 and current > 0:
                expected.add((month, loc, c, "reactivation" if seen else "new", current))
            elif previous > 0 and current == 0:
                expected.add((month, loc, c, "churn", -previous))
            elif current != previous:
                kind = "expansion" if current > previous else "contraction"
                expected.add((month, loc, c, kind, current - previous))
            seen = seen or current > 0
            previous = current
    rows = query(db, "SELECT month, location, customer, movement, amount FROM marts.mrr_movements")
    assert set(rows) == expected
    assert len(rows) == len(expected)
    kinds = {r[3] for r in rows}
    assert {"new", "churn"} <= kinds  # the dataset has both, so the comparison means something


def test_occupancy_of_the_last_day_from_the_json(pipeline, small_dir):
    db, _, _ = pipeline
    types = {t["type"]: t["isPrimary"] for t in read_collection(small_dir, "resource-types")}
    resources = {
        r["_id"]: r for r in read_collection(small_dir, "resources") if types.get(r["type"])
    }
    live = {
        m["_id"]
        for m in read_collection(small_dir, "memberships")
        if _day(m["startDate"]) <= AS_OF and (not m["endDate"] or _day(m["endDate"]) >= AS_OF)
    }
    occupied: dict[str, int] = defaultdict(int)
    held = set()
    for a in read_collection(small_dir, "assignments"):
        start, end = _day(a["startDate"]), _day(a["endDate"])
        if a["membership"] in live and start <= AS_OF and (end is None or end >= AS_OF):
            resource = resources.get(a["resource"])
            if resource and resource["type"] != "hotdesk" and a["resource"] not in held:
                held.add(a["resource"])
                occupied[resource["type"]] += resource["desksCount"]
    available: dict[str, int] = defaultdict(int)
    for r in resources.values():
        available[r["type"]] += r["desksCount"]
    rows = query(
        db,
        "SELECT resource_type, sum(desks_occupied), sum(desks_available) "
        "FROM marts.occupancy_daily WHERE date = ? GROUP BY ALL",
        [AS_OF],
    )
    got = {t: (o, a) for t, o, a in rows}
    for rtype in ("team_room", "desk"):
        assert got[rtype] == (occupied[rtype], available[rtype]), rtype
    assert occupied["team_room"] > 0 and occupied["desk"] > 0
    assert got["hotdesk"][1] == available["hotdesk"]


def test_revenue_is_the_books_schedule(pipeline):
    db, _, _ = pipeline
    [(marts, books, days)] = query(
        db,
        "SELECT (SELECT sum(amount) FROM marts.revenue_daily), "
        "(SELECT sum(amount) FROM core.revenue_schedule), "
        "(SELECT count(DISTINCT date) FROM marts.revenue_daily)",
    )
    assert books is not None and books > 0
    assert marts == books and days > 60
    [(location_total, floors_total)] = query(
        db,
        "SELECT sum(revenue) FILTER (WHERE level = 'location'), "
        "sum(revenue) FILTER (WHERE level = 'floor') FROM marts.revenue_monthly",
    )
    assert location_total == floors_total == books


def test_lifetime_revenue_is_the_books_per_customer(pipeline):
    db, _, _ = pipeline
    expected = dict(
        query(
            db,
            "SELECT d.customer_id, sum(s.amount) FROM core.revenue_schedule AS s "
            "JOIN core.documents AS d USING (document_id) WHERE s.service_date <= ? GROUP BY 1",
            [AS_OF],
        )
    )
    rows = query(db, "SELECT customer, revenue_to_date, active FROM marts.customer_lifetime")
    got = {c: r for c, r, _ in rows if r}
    # every MRR customer with revenue in the books carries exactly that revenue
    assert got and all(expected[c] == r for c, r in got.items())
    assert any(active for _, _, active in rows)


def test_charts_are_in_the_metadata(pipeline):
    _, _, instance = pipeline
    for key, name in [
        (("marts", "mrr_movements"), "mrr_waterfall"),
        (("marts", "mrr_monthly"), "mrr_by_location"),
        (("marts", "occupancy_monthly"), "occupancy_over_time"),
    ]:
        event = instance.get_latest_materialization_event(dg.AssetKey(list(key)))
        metadata = event.asset_materialization.metadata
        markdown = metadata[name].value
        prefix = f"![{name}](data:image/png;base64,"
        assert markdown.startswith(prefix), name
        png = base64.b64decode(markdown[len(prefix) : -1])
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000, name
        assert Path(metadata[f"{name}_file"].value).read_bytes() == png


def test_margin_and_the_report_in_visma(pipeline):
    db, resources, instance = pipeline
    # The first run read Visma: no costs on any cost center, so no margin anywhere, each row
    # saying why.
    reasons = query(
        db, "SELECT DISTINCT costs_available, not_available_reason FROM marts.margin_monthly"
    )
    assert reasons and all(
        not ok and "no costs booked in Visma on cost center STH" in why for ok, why in reasons
    )
    # The month's deferral voucher was posted, so the report went to Visma: uploaded and
    # linked to that voucher.
    event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "report_attachments"]))
    metadata = event.asset_materialization.metadata
    month = date.fromisoformat(metadata["report_month"].value)
    assert month == date(2026, 10, 1)
    with ExitStack() as stack:
        visma = visma_client(resources, stack)
        uploads = visma.list_all("/attachments", {"includeMatched": "true"})
        assert [a["FileName"][:18] for a in uploads] == ["mrr-report-2026-10"]
        assert metadata["skipped"].value == "(none)"
        [(voucher_id,)] = query(
            db, "SELECT voucher_id FROM marts.report_attachments WHERE month = ?", [month]
        )
        assert uploads[0]["DocumentId"] == voucher_id and uploads[0]["AttachmentStatus"] == 1
        # Rent on Stockholm's cost center in October, booked in Visma.
        centers = visma.list_all("/costcenters")
        sth = next(
            i["Id"]
            for c in centers
            if c["Number"] == 1
            for i in c["Items"]
            if i["ShortName"] == "STH"
        )
        rent = {"AccountNumber": 5010, "DebitAmount": 45000.0, "CostCenterItemId1": sth}
        bank = {"AccountNumber": 1930, "CreditAmount": 45000.0}
        visma.post(
            "/vouchers",
            {"VoucherDate": "2026-10-31", "VoucherText": "Hyra oktober", "Rows": [rent, bank]},
        )
    assert _run(resources, instance).success
    [(revenue, costs, margin, ok)] = query(
        db,
        "SELECT revenue, costs, margin, costs_available FROM marts.margin_monthly WHERE month = ?",
        [month],
    )
    assert ok and costs == Decimal("45000.00") and margin == revenue - costs
    # the second run found the same upload: still one report in Visma
    with ExitStack() as stack:
        uploads = visma_client(resources, stack).list_all(
            "/attachments", {"includeMatched": "true"}
        )
    assert len(uploads) == 1


def test_an_analyst_reads_the_snapshot_while_a_run_writes(pipeline, tmp_path):
    db, resources, instance = pipeline
    snapshot = snapshot_path(db)
    [before] = query(snapshot, "SELECT count(*), sum(mrr)::VARCHAR FROM marts.mrr_monthly")
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.marts.reader", str(snapshot), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert reader.stdout.readline().strip() == "ready"
        result = _run(resources, instance)  # writes the warehouse, then replaces the snapshot
        assert result.success
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=120)
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["queries"] >= 2
    assert [tuple(s) for s in seen["seen"]] == [before]  # the copy it held never changed
    # and the new snapshot holds the new run's marts (the same figures: nothing changed)
    assert query(snapshot, "SELECT count(*), sum(mrr)::VARCHAR FROM marts.mrr_monthly") == [before]


def test_the_analyst_guide_queries_run(pipeline):
    db, _, _ = pipeline
    guide = (Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```sql\n")[1:]]
    statements = [s.strip() for b in blocks for s in b.split(";") if s.strip()]
    assert len(statements) >= 8
    snapshot = snapshot_path(db)
    for sql in statements:
        assert query(snapshot, sql), sql  # every example answers with rows
