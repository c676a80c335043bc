"""The generator: deterministic for a seed, realistic, and internally consistent."""

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from ornd_visma.officernd.booking_rules import add_months, first_of_month
from ornd_visma.officernd.collections import BY_NAME
from ornd_visma.sandbox.dataset import dumps
from ornd_visma.sandbox.generator import DEFAULT_TODAY, generate
from tests.conftest import read_collection

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def test_same_seed_same_bytes_other_seed_other_data():
    first, second, other = generate("small", 7), generate("small", 7), generate("small", 8)
    assert dumps(first.collections) == dumps(second.collections)
    assert dumps(first.collections) != dumps(other.collections)


def test_small_scale_shape(small_dir):
    assert len(read_collection(small_dir, "locations")) == 1
    assert len(read_collection(small_dir, "members")) == 60
    dates = {p["date"][:10] for p in read_collection(small_dir, "payments")}
    # Three months before November 2026 (Aug-Oct) and November so far; the first bill run is
    # five days before 1 August.
    assert min(dates) == "2026-07-27"
    assert max(dates) <= DEFAULT_TODAY.isoformat()


def test_demo_scale_shape(demo_dir):
    assert len(read_collection(demo_dir, "locations")) == 3
    assert len(read_collection(demo_dir, "members")) == 600
    months = {p["date"][:7] for p in read_collection(demo_dir, "payments")}
    assert len(months) >= 12


def test_every_file_is_an_api_collection_with_unique_object_ids(demo_dir):
    for path in demo_dir.glob("*.json"):
        if path.name == "defects.json":
            continue
        assert path.stem in BY_NAME
        ids = [r["_id"] for r in read_collection(demo_dir, path.stem)]
        assert all(OBJECT_ID.match(i) for i in ids), path.stem
        assert len(ids) == len(set(ids)), path.stem


def test_nothing_happens_after_today(demo_dir):
    limit = f"{DEFAULT_TODAY.isoformat()}T23:59:59.999Z"
    for name in BY_NAME:
        for record in read_collection(demo_dir, name):
            assert record["createdAt"] <= limit, (name, record["_id"])
            assert record["createdAt"] <= record["modifiedAt"] <= limit, (name, record["_id"])


def test_references_resolve(demo_dir):
    def ids(name):
        return {r["_id"] for r in read_collection(demo_dir, name)}

    plans, rates, accounts, taxes = (
        ids("plans"),
        ids("resource-rates"),
        ids("revenue-accounts"),
        ids("tax-rates"),
    )
    locations, fees = ids("locations"), {f["_id"]: f for f in read_collection(demo_dir, "fees")}
    payments = {p["_id"]: p for p in read_collection(demo_dir, "payments")}
    for doc in payments.values():
        assert doc["location"] in locations
        for line in doc["lines"]:
            assert line["plan"] in plans | rates
            assert line["account"] in accounts and line["taxRate"] in taxes
            assert line["location"] in locations
    for fee in fees.values():
        if fee["payment"]:
            invoice = payments[fee["payment"]["_id"]]
            assert any(line["fee"] == fee["_id"] for line in invoice["lines"])
    bookings = ids("bookings")
    for booking in read_collection(demo_dir, "bookings"):
        for entry in booking["fees"]:
            assert entry["fee"] is None or entry["fee"] in fees
    for credit in read_collection(demo_dir, "credits"):
        assert all(use["booking"] in bookings for use in credit["bookings"])
        assert credit["usedCount"] == sum((u["count"] for u in credit["bookings"]), Decimal(0))
        assert credit["usedCount"] <= credit["count"]


def test_the_operator_has_what_a_real_one_has(demo_dir):
    companies = read_collection(demo_dir, "companies")
    members = read_collection(demo_dir, "members")
    memberships = read_collection(demo_dir, "memberships")
    payments = read_collection(demo_dir, "payments")
    bookings = read_collection(demo_dir, "bookings")
    fees = read_collection(demo_dir, "fees")
    charges = read_collection(demo_dir, "charges")
    vat_numbers = [c["billingDetails"]["vatNumber"] for c in companies]
    assert any(v.startswith("SE") and v.endswith("01") for v in vat_numbers)
    assert any(not v.startswith("SE") for v in vat_numbers)  # EU customers
    assert any(m["company"] is None for m in members)  # individuals
    assert {m["status"] for m in members} >= {"active", "former"}
    assert any(m["intervalCount"] == 3 for m in memberships)  # quarterly plans
    assert any(m["discountAmount"] > 0 for m in memberships)
    assert any(m["endDate"] for m in memberships)  # cancellations
    assert Counter(p["documentType"] for p in payments)["creditNote"] > 0
    assert any(p["status"] == "voided" for p in payments)
    percents = {line["taxPercent"] for p in payments for line in p["lines"]}
    assert percents == {Decimal(25), Decimal(12), Decimal(6), Decimal(0)}
    assert any(b["recurrence"] for b in bookings)
    assert any(b["isCancelled"] for b in bookings)
    assert any(b["isTentative"] for b in bookings)
    assert any(b["isFree"] for b in bookings)
    assert any(not b["isAccounted"] for b in bookings)  # pending
    entries = [e for b in bookings for e in b["fees"]]
    assert any(e["credits"] and not e["fee"] for e in entries)
    assert any(e["coins"] and not e["fee"] for e in entries)
    assert any(e["fee"] for e in entries)
    assert any(f["shouldBillInAdvance"] for f in fees) and any(f["isRefundable"] for f in fees)
    assert {c["status"] for c in charges} >= {"success", "fail"}
    assert read_collection(demo_dir, "passes") and read_collection(demo_dir, "checkins")


def test_plan_changes_end_one_membership_the_day_before_the_next_starts(demo_dir):
    by_owner: dict[str, list[dict]] = {}
    for m in read_collection(demo_dir, "memberships"):
        by_owner.setdefault(m.get("company") or m.get("member"), []).append(m)
    changes = 0
    for spells in by_owner.values():
        starts = {m["startDate"][:10] for m in spells}
        for m in spells:
            if m["endDate"]:
                next_day = date.fromordinal(date.fromisoformat(m["endDate"][:10]).toordinal() + 1)
                changes += next_day.isoformat() in starts
    assert changes > 0


def test_memberships_are_invoiced_a_month_in_advance_and_fees_in_arrears(demo_dir):
    fees = {f["_id"]: f for f in read_collection(demo_dir, "fees")}
    memberships = {m["_id"]: m for m in read_collection(demo_dir, "memberships")}
    catch_ups = 0
    for doc in read_collection(demo_dir, "payments"):
        if doc["documentType"] != "invoice":
            continue
        issued = date.fromisoformat(doc["date"][:10])
        billed_month = add_months(first_of_month(issued), 1)
        for line in doc["lines"]:
            if line["membership"]:
                # Never beyond the month being billed (multi-month plans: their interval).
                months = memberships[line["membership"]]["intervalCount"]
                assert line["startDate"][:10] < add_months(billed_month, 1).isoformat()
                assert line["endDate"][:10] < add_months(billed_month, months).isoformat()
                if line["endDate"][:10] < doc["date"][:10]:
                    # A period already over: only for a membership signed after the last run.
                    signed = date.fromisoformat(memberships[line["membership"]]["createdAt"][:10])
                    assert signed > issued - timedelta(days=32)
                    catch_ups += 1
            elif line["fee"] and not fees[line["fee"]]["shouldBillInAdvance"]:
                assert fees[line["fee"]]["issueDate"][:10] < doc["date"][:10]
    assert catch_ups > 0


def test_booking_fees_for_credit_holders_are_not_made_before_the_first(demo_dir):
    # Seed 002: a holder with credits or coins is not charged a fee before the 1st of the
    # month the booking takes place.
    allowances: dict[str, list[tuple[str, str]]] = {}
    for allowance in read_collection(demo_dir, "credits") + read_collection(demo_dir, "coins"):
        if allowance["validTo"] is None and allowance["usedCount"] >= allowance["count"]:
            continue  # a used-up credit pack
        owner = allowance["company"] or allowance["member"]
        until = (allowance["validTo"] or "9999")[:10] + "T23:59:59.999Z"
        allowances.setdefault(owner, []).append((allowance["createdAt"], until))
    rates = {r["_id"] for r in read_collection(demo_dir, "resource-rates")}
    checked = 0
    for fee in read_collection(demo_dir, "fees"):
        if fee["plan"] not in rates:
            continue
        owner = fee["company"] or fee["member"]
        if fee["createdAt"][:10] < fee["issueDate"][:8] + "01":
            made = fee["createdAt"]
            held = [a for a in allowances.get(owner, ()) if a[0] <= made <= a[1]]
            assert not held, fee["_id"]
            checked += 1
    assert checked > 0
