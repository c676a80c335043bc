"""The whole job with posting: the small dataset served by the OfficeRnD simulator, posted
to the Visma simulator through real Dagster runs. Visma, read through its own inspection,
holds exactly one ledger item per OfficeRnD document, and its totals per account, VAT rate
and cost center equal totals computed here from the OfficeRnD JSON alone."""

import re
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import dagster as dg
import duckdb
import httpx
import pytest

from assets.marts import VAT_RETURN_MATCHES_VISMA
from ornd_visma.config import mapping_path
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.keys import key_in
from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
from ornd_visma.sandbox.server import running
from ornd_visma.sandbox.visma import VismaOptions, create_visma_app, inspect_state
from ornd_visma.vat.boxes import code_boxes
from resources.officernd import OfficeRnDResource
from resources.visma import VismaResource
from tests.conftest import UNLIMITED, read_collection
from tests.pipeline.conftest import FIRST_DAY, last_day, warehouse_at

D = Decimal
VAT_ACCOUNT = {D(25): "2611", D(12): "2621", D(6): "2631"}


def _run(resources, instance, dry_run=False):
    from ornd_visma.definitions import defs

    return defs.resolve_job_def("daily_books").execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": FIRST_DAY,
            "dagster/asset_partition_range_end": last_day(),
            "ornd_visma/dry_run": str(dry_run).lower(),
        },
        resources=resources,
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def sandbox(small_dir, tmp_path_factory):
    state = tmp_path_factory.mktemp("post_state")
    officernd = create_officernd_app(small_dir, state, OfficeRnDOptions(**UNLIMITED))
    visma = create_visma_app(state, VismaOptions(drop_after_commit_rate=0.05, fault_seed=5))
    with running(officernd) as o_url, running(visma) as v_url:
        resources = {
            "officernd": OfficeRnDResource(api_url=f"{o_url}/api/v2", auth_url=o_url,
                                           org_slug="sandbox", client_id="sandbox",
                                           client_secret="sandbox"),
            "warehouse": warehouse_at(tmp_path_factory.mktemp("post_wh") / "wh.duckdb"),
            "visma": VismaResource(api_url=f"{v_url}/v2", auth_url=v_url, client_id="sandbox",
                                   client_secret="sandbox", state_dir=str(state)),
        }  # fmt: skip
        yield resources, state, v_url, visma


def _checks(result) -> dict[str, bool]:
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def test_dry_run_sends_nothing_then_the_real_run_posts_each_document_once(sandbox, small_dir):
    resources, state, v_url, _ = sandbox
    instance = dg.DagsterInstance.ephemeral()
    dry = _run(resources, instance, dry_run=True)
    assert dry.success
    assert httpx.get(f"{v_url}/_sandbox/stats").json()["total"] == 0  # not one request
    conn = duckdb.connect(resources["warehouse"].database, read_only=True)
    would = conn.execute(
        "SELECT count(*) FROM posting.outbox WHERE state = 'would_post' AND kind = 'ledger_item'"
    ).fetchone()[0]
    ready = conn.execute("SELECT count(*) FROM core.documents WHERE status = 'ready'").fetchone()[0]
    conn.close()
    assert would == ready > 0

    real = _run(resources, instance)
    assert real.success
    checks = _checks(real)
    assert checks["visma_matches_books"] and checks["one_copy_in_visma"], checks
    assert checks["no_failed_documents"], checks
    again = _run(resources, instance)  # a re-run (a backfill of the same range)
    assert again.success

    held = inspect_state(state)
    # Visma's VAT return equals the books' in every box, to the öre: the periodisation
    # vouchers carry no sales VAT code (their revenue rows would move the deferred months'
    # base boxes)
    sales_codes = set(code_boxes(load_mapping(mapping_path())))
    coded_periodisation = [
        v["VoucherDate"][:10] for v in held["vouchers"] if "eriodisering" in v["VoucherText"]
        and any(3000 <= r["AccountNumber"] <= 3999
                and (r.get("VatCodeAndPercent") or "").split(" ")[0] in sales_codes
                for r in v["Rows"])
    ]  # fmt: skip
    assert coded_periodisation == []
    assert checks[VAT_RETURN_MATCHES_VISMA]
    payments = [p for p in read_collection(small_dir, "payments")
                if p.get("status") not in ("voided", "draft")
                and p["documentType"] in ("invoice", "creditNote")]  # fmt: skip
    conn = duckdb.connect(resources["warehouse"].database, read_only=True)
    ready_ids = {r[0] for r in conn.execute(
        "SELECT document_id FROM core.documents WHERE status = 'ready'").fetchall()}  # fmt: skip
    keys = dict(conn.execute(
        "SELECT outbox_key, document_id FROM posting.outbox WHERE kind = 'ledger_item'"
    ).fetchall())  # fmt: skip
    conn.close()
    posted = [p for p in payments if p["_id"] in ready_ids]
    assert len(posted) >= len(payments) - 2  # the clean dataset is (nearly) all ready

    # exactly one ledger item per OfficeRnD document, with its number
    vouchers = {v["Id"]: v for v in held["vouchers"]}
    per_document = Counter(keys[key_in(vouchers[i["VoucherId"]]["VoucherText"])]
                           for i in held["ledger_items"])  # fmt: skip
    assert per_document == Counter({p["_id"]: 1 for p in posted})
    # each in its location's range of the sandbox mapping: the series' start + the number's
    # digits (000101-STH -> 10000000 + 101), one number per document
    mapping = load_mapping(SANDBOX_MAPPING)
    codes = {loc["_id"]: loc["code"] for loc in read_collection(small_dir, "locations")}

    def expected(p: dict) -> int:
        pins = mapping.locations[codes[p["location"]]].invoice_numbers
        start = pins.credit_note if p["documentType"] == "creditNote" else pins.invoice
        return start + int(re.search(r"\d+", p["number"]).group())

    numbers = [(i["InvoiceNumber"], i["IsCreditInvoice"]) for i in held["ledger_items"]]
    assert sorted(numbers) == sorted((expected(p), p["documentType"] == "creditNote")
                                     for p in posted)  # fmt: skip
    assert len(set(numbers)) == len(numbers)
    assert {i["PaymentReferenceNumber"] for i in held["ledger_items"]} == {
        p["number"] for p in posted
    }

    # totals from the JSON alone: receivable, VAT per rate, net per location
    receivable, vat, net_per_location = D(0), defaultdict(D), defaultdict(D)
    # deposits are a liability (2420 in the mapping), which takes no cost center
    deposit_accounts = {a["_id"] for a in read_collection(small_dir, "revenue-accounts")
                        if a.get("code") == "DEPOSITS"}  # fmt: skip
    deposits = D(0)
    for p in posted:
        sign = -1 if p["documentType"] == "creditNote" else 1
        total = D(p["total"])
        receivable += sign * total.quantize(D(1), ROUND_HALF_UP)  # öresavrundning
        for line in p["lines"]:
            vat[D(line["taxPercent"])] += sign * D(line["taxAmount"])
            if line.get("account") in deposit_accounts:
                deposits += sign * D(line["subTotal"])
            else:
                net_per_location[codes[p["location"]]] += sign * D(line["subTotal"])
    accounts = held["totals"]["accounts"]
    assert D(str(accounts["1510"]["balance"])) == receivable
    for percent, amount in vat.items():
        if amount:
            assert -D(str(accounts[VAT_ACCOUNT[percent]]["balance"])) == amount, percent
    per_item = {i["short_name"]: -D(str(i["balance"]))
                for i in held["totals"]["cost_center_items"].values()
                if i["cost_center"] == 1}  # fmt: skip
    assert per_item == {code: amount for code, amount in net_per_location.items() if amount}
    assert -D(str(accounts.get("2420", {}).get("balance", 0))) == deposits
    assert held["totals"]["balanced"]

    # revenue by period: per revenue account and month, Visma (the ledger items in their
    # invoice month, moved by the deferrals and the accruals of fees billed in arrears) holds
    # what the schedule says was served in that month; months whose vouchers are all due
    # (the asset posts them by today), the rounding account aside (no service)
    conn = duckdb.connect(resources["warehouse"].database, read_only=True)
    served = {(f"{month:%Y-%m}", str(account)): amount for account, month, amount in conn.execute(
        """SELECT account, date_trunc('month', service_date)::DATE, sum(amount)
           FROM core.revenue_schedule GROUP BY ALL""").fetchall()}  # fmt: skip
    arrears = conn.execute(
        "SELECT count(*) FROM core.revenue_accruals WHERE accrued <> 0").fetchone()[0]  # fmt: skip
    conn.close()
    this_month = f"{date.today():%Y-%m}"
    in_visma = {(month, account): -D(str(v["balance"]))
                for month, by_account in held["totals"]["accounts_by_month"].items()
                for account, v in by_account.items()
                if 3000 <= int(account) <= 3999 and account != "3740"
                and month <= this_month}  # fmt: skip
    assert {k: v for k, v in in_visma.items() if v} == {
        k: v for k, v in served.items() if v and k[0] <= this_month
    }
    assert arrears > 0  # the dataset bills fees in arrears across a month end
    # and no periodisation voucher carries a VAT code
    assert not [r for v in held["vouchers"] if "1510" not in str(v["Rows"]) for r in v["Rows"]
                if r["VatCodeId"]]  # fmt: skip
