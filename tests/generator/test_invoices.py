"""Every generated invoice and credit note is consistent to the öre, recomputed independently
from the JSON text (numbers parsed as Decimal)."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import read_collection

ORE = Decimal("0.01")


def round_ore(value: Decimal) -> Decimal:
    return Decimal(value).quantize(ORE, rounding=ROUND_HALF_UP)


def document_errors(doc: dict, tax_rates: dict[str, Decimal]) -> list[str]:
    errors = []
    per_rate: dict[str, Decimal] = defaultdict(Decimal)
    net = Decimal(0)
    for line in doc["lines"]:
        unit = line["baseUnitPrice"] - line["unitDiscount"]
        if line["unitPrice"] != unit:
            errors.append(f"unitPrice {line['unitPrice']} != {unit}")
        sub = round_ore(line["unitPrice"] * line["quantity"])
        if line["subTotal"] != sub or line["price"] != sub:
            errors.append(f"line subTotal {line['subTotal']} != {sub}")
        if line["taxPercent"] != tax_rates[line["taxRate"]]:
            errors.append(f"taxPercent {line['taxPercent']} != rate of {line['taxRate']}")
        tax = round_ore(line["subTotal"] * line["taxPercent"] / 100)
        if line["taxAmount"] != tax:
            errors.append(f"line taxAmount {line['taxAmount']} != {tax}")
        if line["total"] != line["subTotal"] + line["taxAmount"]:
            errors.append("line total != subTotal + taxAmount")
        per_rate[line["taxRate"]] += line["taxAmount"]
        net += line["subTotal"]
    declared = {entry["taxRate"]: entry["total"] for entry in doc["taxAmounts"]}
    if declared != dict(per_rate):
        errors.append(f"taxAmounts {declared} != {dict(per_rate)}")
    if doc["subTotal"] != net:
        errors.append(f"subTotal {doc['subTotal']} != {net}")
    if doc["total"] != net + sum(per_rate.values()) or doc["amount"] != doc["total"]:
        errors.append(f"total {doc['total']} != {net + sum(per_rate.values())}")
    return errors


@pytest.mark.parametrize("fixture", ["small_dir", "demo_dir"])
def test_every_document_adds_up_to_the_ore(fixture, request):
    directory = request.getfixturevalue(fixture)
    rates = {r["_id"]: r["rate"] for r in read_collection(directory, "tax-rates")}
    payments = read_collection(directory, "payments")
    assert len(payments) > 50
    failures = {p["number"]: document_errors(p, rates) for p in payments}
    assert {number: errs for number, errs in failures.items() if errs} == {}


def test_a_known_mixed_vat_invoice_adds_up(demo_dir):
    # A document with lines at 25 % and 12 % (catering) or 6 % (event tickets) exists, and its
    # VAT is the sum of per-line VAT rounded per line.
    rates = {r["_id"]: r["rate"] for r in read_collection(demo_dir, "tax-rates")}
    mixed = [
        p
        for p in read_collection(demo_dir, "payments")
        if len({line["taxPercent"] for line in p["lines"]}) >= 3
    ]
    assert mixed, "expected invoices mixing three VAT rates"
    doc = mixed[0]
    assert document_errors(doc, rates) == []
    vat = sum(round_ore(line["subTotal"] * line["taxPercent"] / 100) for line in doc["lines"])
    assert doc["total"] - doc["subTotal"] == vat


def test_credit_notes_are_allocated_to_the_invoice_they_correct(demo_dir):
    payments = {p["_id"]: p for p in read_collection(demo_dir, "payments")}
    notes = [p for p in payments.values() if p["documentType"] == "creditNote"]
    assert notes
    for note in notes:
        (allocation,) = note["allocations"]
        invoice = payments[allocation["target"]]
        assert invoice["documentType"] == "invoice"
        assert allocation["amount"] == note["total"]
        back = [a for a in invoice["allocations"] if a["target"] == note["_id"]]
        assert back and back[0]["amount"] == note["total"]
        # It credits days of a membership that this invoice charged, never more.
        for line in note["lines"]:
            charged = [il for il in invoice["lines"] if il["membership"] == line["membership"]]
            assert charged and line["subTotal"] <= max(il["subTotal"] for il in charged)
            assert note["date"] >= invoice["date"]
