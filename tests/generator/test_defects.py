"""`--defects RATE`: every planted defect is listed, really present, and nothing else breaks."""

from collections import Counter
from datetime import date

from ornd_visma.sandbox.generator.defects import KINDS
from tests.conftest import load_json_decimal, read_collection
from tests.generator.test_invoices import document_errors


def test_every_kind_is_planted_and_listed(defects_dir):
    defects = load_json_decimal(defects_dir / "defects.json")
    kinds = Counter(d["kind"] for d in defects)
    assert set(kinds) == set(KINDS)
    # 1 % of about 9,000 invoices, fees, companies and members.
    assert len(defects) > 50


def _is_date(text) -> bool:
    try:
        date.fromisoformat(str(text)[:10])
    except ValueError:
        return False
    return True


def test_each_listed_defect_is_really_in_the_data(defects_dir):
    defects = load_json_decimal(defects_dir / "defects.json")
    data = {
        name: read_collection(defects_dir, name)
        for name in (
            "payments",
            "fees",
            "companies",
            "members",
            "plans",
            "revenue-accounts",
            "tax-rates",
        )
    }
    plans = {p["_id"] for p in data["plans"]}
    accounts = {a["_id"] for a in data["revenue-accounts"]}
    rates = {r["_id"]: r["rate"] for r in data["tax-rates"]}
    rate_ids = set(rates)
    for defect in defects:
        records = [r for r in data[defect["collection"]] if r["_id"] == defect["id"]]
        assert records, defect
        record = records[0]
        kind = defect["kind"]
        if kind == "duplicate_id":
            assert len(records) == 2
        elif kind == "missing_tax_rate":
            assert any(line["taxRate"] is None for line in record["lines"])
        elif kind == "unknown_plan":
            assert any(line["plan"] not in plans for line in record["lines"])
        elif kind == "unknown_revenue_account":
            assert any(line["account"] not in accounts for line in record["lines"])
        elif kind == "foreign_currency":
            assert record["currency"] != "SEK"
        elif kind == "negative_quantity":
            assert record["quantity"] < 0
        elif kind == "missing_billing_details":
            assert record["billingDetails"] is None
        elif kind == "malformed_date":
            assert not all(_is_date(record.get(f)) for f in ("issueDate", "dueDate") if f in record)
        elif kind == "long_unicode_name":
            assert len(record["name"]) > 255 and not record["name"].isascii()
        elif kind == "total_mismatch":
            lines = record["lines"]
            assert record["total"] != sum(li["subTotal"] + li["taxAmount"] for li in lines)
        else:
            raise AssertionError(f"untested kind {kind}")
    # Documents that were not touched still add up to the öre.
    touched = {d["id"] for d in defects}
    clean = [p for p in data["payments"] if p["_id"] not in touched]
    assert clean
    assert [
        p["number"]
        for p in clean
        if all(li["taxRate"] in rate_ids for li in p["lines"]) and document_errors(p, rates)
    ] == []
