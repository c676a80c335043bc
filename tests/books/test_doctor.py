"""`ornd-visma doctor`: the example mapping against generated data and the Visma simulator is
clean; a mapping with deliberate gaps, and a Visma company missing what it names, are reported
one finding each, with the fix."""

import io
from pathlib import Path

import pytest
import yaml

from ornd_visma.mapping import SANDBOX_MAPPING, Mapping, load_mapping
from ornd_visma.mapping.doctor import (
    COLLECTIONS,
    OfficeRnDData,
    _check_articles,
    check_officernd,
    check_visma,
    diagnose,
    officernd_from_dataset,
    officernd_from_warehouse,
    report,
    run_doctor,
)
from ornd_visma.mapping.model import RevenueRule
from ornd_visma.sandbox.visma import VismaOptions
from ornd_visma.visma import TokenStore, VismaClient, VismaSettings
from tests.books.warehouse import staged_warehouse
from tests.conftest import read_collection
from tests.sandbox.visma_fixtures import Company, harness, ok


@pytest.fixture(scope="module")
def visma(tmp_path_factory):
    """The Visma simulator, seeded as the sandbox company, with a doctor-ready client."""
    state = tmp_path_factory.mktemp("doctor_visma")
    with harness(state / "visma", VismaOptions()) as h:
        client = VismaClient(
            VismaSettings("main", f"{h.url}/v2", h.url, "sandbox", "sandbox"),
            TokenStore(state / "tokens", "main"),
        )
        yield h, client
        client.close()


def gapped_mapping(tmp_path: Path) -> Path:
    """The example with gaps: no parking rule, no 12 % VAT, STH unmapped, wrong 6 % percent,
    an account and a VAT code Visma lacks."""
    data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
    data["revenue"] = [r for r in data["revenue"] if r["revenue_account"] != "PARKING"]
    data["revenue"].append({"plan": "KEYCARD", "account": 3999, "revenue_class": "key_card"})
    del data["vat"]["SE12"]
    data["vat"]["SE06"]["percent"] = 12
    data["vat"]["SE06"]["vat_account"] = 2621
    data["vat"]["SE00"]["vat_code"] = "99"
    del data["locations"]["STH"]
    data["floors"] = {k: v for k, v in data["floors"].items() if not k.startswith("STH/")}
    data["locations"]["GBG"]["cost_center_item"] = "OLD-GBG"
    path = tmp_path / "gapped.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_example_is_complete_for_generated_data_and_the_sandbox(small_dir, visma):
    _, client = visma
    mapping = load_mapping(SANDBOX_MAPPING)
    findings = diagnose(mapping, officernd_from_dataset(small_dir), {"main": client})
    assert [f for f in findings if f.severity == "error"] == []
    # The sandbox company has no cost-center items yet: posting creates them; doctor says so.
    missing_items = [f for f in findings if "cost center items not yet in dimension 1" in f.what]
    assert missing_items and "STH" in missing_items[0].what
    assert "posting step creates them" in missing_items[0].fix
    # Every revenue account carries the VAT code its lines are booked with.
    assert not [f for f in findings if "has VAT code" in f.what]


def test_a_revenue_account_with_another_vat_code_is_a_warning(small_dir, visma, tmp_path):
    _, client = visma
    data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
    for rule in data["revenue"]:
        if rule["revenue_account"] == "CATERING":
            rule["account"] = 3001  # a 25 % account (VAT code 10) for 12 % catering
    path = tmp_path / "catering.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    findings = diagnose(load_mapping(path), officernd_from_dataset(small_dir), {"main": client})
    (warning,) = [f for f in findings if "has VAT code" in f.what]
    assert warning.severity == "warning"
    assert warning.what == (
        "account 3001 has VAT code 10 in Visma, but CATERING × SE12 is booked on it with VAT "
        "code 11"
    )
    assert "give account 3001 VAT code 11" in warning.fix


def test_every_gap_is_one_finding_naming_the_fix(small_dir, visma, tmp_path):
    h, client = visma
    api = h.client()
    company = Company(api)
    company.item(1, "OLD-GBG", active=False)
    mapping = load_mapping(gapped_mapping(tmp_path))
    data = officernd_from_dataset(small_dir)
    findings = diagnose(mapping, data, {"main": client})
    errors = {f.what: f.fix for f in findings if f.severity == "error"}
    text = "\n".join(errors)

    def one(fragment: str) -> str:
        hits = [what for what in errors if fragment in what]
        assert len(hits) == 1, (fragment, text)
        return errors[hits[0]]

    assert "locations:" in one("location STH (Stockholm Södermalm) is not in `locations`")
    assert 'vat_code: "11", percent: 12, vat_account: 2621' in one("tax rate SE12")
    assert "vat.SE06.percent: 6" in one("`vat.SE06.percent` is 12 but OfficeRnD's rate is 6")
    plans = {p["code"] for p in read_collection(small_dir, "plans")}
    assert {"PARKING", "PARKING-DAY"} <= plans
    # One finding for the account, naming each use: the monthly spot (domestic and EU reverse
    # charge) and the day ticket.
    assert "revenue_account: PARKING" in one("no revenue rule for revenue account PARKING")
    parking = next(w for w in errors if "revenue account PARKING" in w)
    assert "plan PARKING (type service, fee kind membership, tax rate SE25" in parking
    assert "plan PARKING (type service, fee kind membership, tax rate RCEU" in parking
    assert "plan PARKING-DAY (type service, fee kind one_off, tax rate SE25" in parking
    assert "Kontoplan" in one("account 3999 (`revenue.")
    assert "use one of Visma's VAT codes" in one("VAT code 99 (`vat.SE00.vat_code`)")
    assert "activate item OLD-GBG" in one("cost center item OLD-GBG")
    # Seven gaps planted, seven errors: nothing else is reported as one.
    assert len(errors) == 7, text
    printed = report(findings)
    assert printed.splitlines()[-1].startswith("doctor: 7 error(s)")
    assert "fix:" in printed


def test_an_inactive_account_and_an_invoice_mode_article_gap(small_dir, visma, tmp_path):
    h, client = visma
    api = h.client()
    # The year `GET /accounts` answers for (the current one), as doctor reads it.
    year = next(a for a in ok(api.get("/accounts"), 200)["Data"])["FiscalYearId"]
    account = ok(api.get(f"/accounts/{year}/3590"), 200)
    ok(api.put(f"/accounts/{year}/3590", json={**account, "IsActive": False}), 200)
    try:
        company = Company(api)
        company.article("Tjänster 25 %", number="MEMBERSHIP")
        data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
        data["posting_mode"] = "invoices"
        path = tmp_path / "invoices.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        mapping = load_mapping(path)
        findings = diagnose(mapping, officernd_from_dataset(small_dir), {"main": client})
        errors = [f.what for f in findings if f.severity == "error"]
        assert any("account 3590" in e and "inactive" in e for e in errors), errors
        missing_articles = [e for e in errors if e.startswith("article ")]
        # 13 rules, each with its own article, MEMBERSHIP exists: 12 to create.
        assert len(missing_articles) == 12, missing_articles
        assert not any("article MEMBERSHIP " in e for e in missing_articles)
        warnings = [f.what for f in findings if f.severity == "warning"]
        assert any("charged twice" in w for w in warnings), warnings
    finally:
        ok(api.put(f"/accounts/{year}/3590", json={**account, "IsActive": True}), 200)


def test_doctor_reads_the_staged_warehouse(small_dir, tmp_path):
    collections = {name: read_collection(small_dir, name) for name in (*COLLECTIONS, "members")}
    conn = staged_warehouse(tmp_path / "wh.duckdb", collections)
    staged = officernd_from_warehouse(conn)
    conn.close()
    assert len(staged["payments"]) == len(collections["payments"])
    gapped = load_mapping(gapped_mapping(tmp_path))
    assert any("PARKING" in f.what for f in check_officernd(gapped, staged))
    out = io.StringIO()
    code = run_doctor(
        str(gapped_mapping(tmp_path)), None, str(tmp_path / "wh.duckdb"), visma=False, out=out
    )
    assert code == 1
    assert "location STH (Stockholm Södermalm) is not in `locations`" in out.getvalue()
    out = io.StringIO()
    assert run_doctor(None, None, str(tmp_path / "wh.duckdb"), visma=False, out=out) == 0
    assert "0 error(s)" in out.getvalue()


def test_a_bad_mapping_file_and_an_unreadable_visma(small_dir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("posting_mode: journal\n", encoding="utf-8")
    out = io.StringIO()
    assert run_doctor(str(bad), str(small_dir), None, visma=False, out=out) == 1
    assert "posting_mode" in out.getvalue()
    nowhere = VismaClient(
        VismaSettings("main", "http://127.0.0.1:9/v2", "http://127.0.0.1:9", "sandbox", "sandbox"),
        TokenStore(tmp_path / "tokens", "main"),
        max_attempts=1,
        timeout_s=0.5,
    )
    findings = diagnose(load_mapping(SANDBOX_MAPPING), None, {"main": nowhere})
    assert len(findings) == 1 and findings[0].severity == "error"
    assert "cannot read the Visma company http://127.0.0.1:9/v2" in findings[0].what
    assert "VISMA_*" in findings[0].fix


def _officernd(lines: list[tuple[str, str]]) -> OfficeRnDData:
    """One invoice whose lines are (revenue account code, tax rate code)."""
    accounts = {code for code, _ in lines}
    taxes = {tax for _, tax in lines}
    return OfficeRnDData(
        {
            "revenue-accounts": [{"_id": f"ra-{c}", "code": c} for c in sorted(accounts)],
            "tax-rates": [{"_id": f"tr-{t}", "code": t} for t in sorted(taxes)],
            "payments": [
                {
                    "_id": "inv-1",
                    "documentType": "invoice",
                    "lines": [{"account": f"ra-{c}", "taxRate": f"tr-{t}"} for c, t in lines],
                }
            ],
        }
    )


# -- invoice number ranges (ledger mode) ---------------------------------------------------------


def _numbered(*docs: tuple[str, str, str]) -> OfficeRnDData:
    """Locations STH and GBG and documents (id, documentType, number) of STH."""
    return OfficeRnDData(
        {
            "locations": [
                {"_id": "loc-sth", "code": "STH", "name": "Stockholm"},
                {"_id": "loc-gbg", "code": "GBG", "name": "Göteborg"},
            ],
            "payments": [
                {"_id": i, "documentType": kind, "number": number, "location": "loc-sth"}
                for i, kind, number in docs
            ],
        }
    )


def test_reverse_charge_on_a_property_connected_class_is_a_warning_and_changes_nothing():
    mapping = load_mapping(SANDBOX_MAPPING)
    # two office lines and one printing line, all with OfficeRnD's reverse charge (RCEU)
    data = _officernd([("OFFICE-RENT", "RCEU"), ("OFFICE-RENT", "RCEU"), ("PRINTING", "RCEU")])
    found = [f for f in check_officernd(mapping, data) if "reverse-charge tax rate" in f.what]
    # OFFICE-RENT's only rule names tax_rate EXEMPT, so OFFICE-RENT × RCEU is unmapped (an
    # error of its own); PRINTING × RCEU is mapped, but printing is not property-connected
    assert found == []
    rules_for_rc = [
        *mapping.revenue,
        RevenueRule(revenue_account="OFFICE-RENT", account=3911, revenue_class="private_office"),
    ]
    mapping = mapping.model_copy(update={"revenue": rules_for_rc})
    (warning,) = [f for f in check_officernd(mapping, data) if "reverse-charge" in f.what]
    assert warning.severity == "warning"
    assert warning.what.startswith(
        "revenue class private_office is invoiced with reverse-charge tax rate RCEU "
        "(2 invoice lines)"
    )
    assert "accountant" in warning.fix


class _Codings:
    """A Visma company's articles and account codings, for the invoice-mode article checks."""

    def __init__(self, articles: dict[str, dict]):
        self.articles = articles

    def list_all(self, path: str, params: dict | None = None) -> list[dict]:
        if path == "articles":
            return [{"Number": n, "IsActive": True, "CodingId": n} for n in self.articles]
        return [{"Id": n, "Name": f"coding of {n}", **c} for n, c in self.articles.items()]


def test_an_articles_coding_must_book_on_the_rules_account():
    mapping = load_mapping(SANDBOX_MAPPING).model_copy(update={"posting_mode": "invoices"})
    exempt_3004 = {  # the sandbox's "Tjänster momsfri": exempt sales on 3004, not 3911
        "VatRatePercent": 0,
        "DomesticSalesVatExemptAccountNumber": 3004,
        "ForeignSalesVatExemptWithinEuAccountNumber": 3004,
    }
    rent_3911 = {
        "VatRatePercent": 0,
        "DomesticSalesVatExemptAccountNumber": 3911,
        "ForeignSalesVatExemptWithinEuAccountNumber": 3308,
    }
    services_25 = {
        "VatRatePercent": "0.25",
        "DomesticSalesSubjectToVatAccountNumber": 3001,
        "ForeignSalesVatExemptWithinEuAccountNumber": 3308,
    }
    visma = _Codings({"OFFICE": exempt_3004, "MEMBERSHIP": services_25, "TICKET": rent_3911})
    findings = _check_articles(mapping, visma, "Visma main")
    coding = [f for f in findings if "coding of" in f.what and "books" in f.what]
    by_article = {f.what.split("'")[0]: f for f in coding if f.severity == "error"}
    # OFFICE (rule: EXEMPT on 3911) books exempt sales on 3004: an error
    office = by_article["article OFFICE"]
    assert office.severity == "error"
    assert "DomesticSalesVatExemptAccountNumber on 3004, but `revenue.3.account` is 3911" in (
        office.what
    )
    # its EU slot (3004) is not the reverse-charge account 3308: a warning of its own
    assert any(
        f.severity == "warning" and "ForeignSalesVatExemptWithinEuAccountNumber on 3004" in f.what
        for f in coding
    )
    # MEMBERSHIP (3001, 25 %) agrees on both slots: nothing
    assert not [f for f in coding if f.what.startswith("article MEMBERSHIP")]
    # TICKET's rule names no tax rate and books on 3003; its coding is 0 %, so Visma books it
    # on the coding's exempt slot, 3911
    assert "on 3911, but `revenue.9.account` is 3003" in by_article["article TICKET"].what


def _pinned(sth: dict, gbg: dict | None = None) -> Mapping:
    return Mapping.model_validate(
        {
            "locations": {
                "STH": {"invoice_numbers": sth},
                "GBG": {"invoice_numbers": gbg or {"invoice": 2000000, "credit_note": 2500000,
                                                   "reversal": 2900000}},
            }
        }
    )  # fmt: skip


STH_RANGES = {"invoice": 1000000, "credit_note": 1500000, "reversal": 1900000}


def test_overlapping_invoice_number_ranges_are_refused(small_dir, tmp_path):
    data = yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))
    # GBG's invoices start where STH's credit notes do: CN00001-STH and 000001-GBG would both
    # be 15000000 + 1
    data["locations"]["GBG"]["invoice_numbers"]["invoice"] = 15000000
    path = tmp_path / "overlap.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    assert run_doctor(str(path), str(small_dir), None, visma=False, out=out) == 1
    text = out.getvalue()
    assert (
        "invoice number ranges overlap in Visma company main: "
        "`locations.GBG.invoice_numbers.invoice` and `locations.STH.invoice_numbers.credit_note` "
        "both start at 15000000"
    ) in text
    # the example itself has no such finding
    clean = check_officernd(load_mapping(SANDBOX_MAPPING), officernd_from_dataset(small_dir))
    assert not [f for f in clean if "invoice" in f.what.lower() and "number" in f.what.lower()]


def test_ranges_that_officernd_numbers_run_past_are_refused():
    # STH's invoices may use 1000000 … 1000099 (its credit notes start at 1000100)
    mapping = _pinned({**STH_RANGES, "credit_note": 1000100})
    data = _numbered(("p1", "invoice", "000042-STH"), ("p2", "invoice", "000100-STH"),
                     ("p3", "creditNote", "CN00003-STH"))  # fmt: skip
    findings = [f for f in check_officernd(mapping, data) if "InvoiceNumber" in f.what]
    assert [(f.severity, f.what) for f in findings] == [
        (
            "error",
            # 1000000 + 100 = 1000100, the first credit note's number
            "OfficeRnD's 000100-STH gives InvoiceNumber 1000000 + 100 = 1000100, past the end "
            "of `locations.STH.invoice_numbers.invoice` (1000000–1000099): it runs into the "
            "next range at 1000100; such documents are held",
        )
    ]
    assert "at least 101 numbers fit" in findings[0].fix
    # at the top of the int32 range: 2147483600 + 48 = 2147483648 = 2^31
    top = _pinned({"invoice": 2147483600, "credit_note": 1500000, "reversal": 1900000})
    (overflow,) = [
        f
        for f in check_officernd(top, _numbered(("p1", "invoice", "000048-STH")))
        if "InvoiceNumber" in f.what
    ]
    assert "2147483648" in overflow.what
    assert "2147483647, the largest InvoiceNumber" in overflow.what


def test_numbers_without_digits_and_numbers_given_twice_are_refused():
    data = _numbered(
        ("p1", "invoice", "000007-STH"),
        ("p2", "invoice", "000007-STH"),
        ("p3", "invoice", "FAKTURA-STH"),
        ("p4", "creditNote", "CN00007-STH"),
    )
    errors = [f.what for f in check_officernd(_pinned(STH_RANGES), data) if f.severity == "error"]
    assert errors == [
        "1 documents of location STH have a number without a sequence number (no match of "
        "`numbering.sequence_pattern` '\\\\d+'), e.g. 'FAKTURA-STH': they cannot be given a "
        "Visma InvoiceNumber and are held",
        # 1000000 + 7 twice; CN00007-STH is 1500000 + 7, no clash
        "1 InvoiceNumbers would be given twice in Visma company main, e.g. 1000007 to "
        "000007-STH (p1) and 000007-STH (p2): the later document is held",
    ]


def test_default_ranges_are_a_warning_with_the_yaml_to_pin_them():
    mapping = Mapping.model_validate({"locations": {"STH": {}}})
    (warning,) = [f for f in check_officernd(mapping, _numbered()) if "invoice_numbers" in f.what]
    assert warning.severity == "warning"
    # the default of "STH" (tests/posting/test_invoice_numbers.py): slot 319
    assert (
        "STH: {invoice_numbers: {invoice: 967000000, credit_note: 968000000, reversal: "
        "969000000}}" in warning.fix
    )
    # invoice mode: Visma numbers the invoices, ranges are not used
    invoices = Mapping.model_validate({"posting_mode": "invoices", "locations": {"STH": {}}})
    assert not [f for f in check_officernd(invoices, _numbered()) if "invoice_numbers" in f.what]


def test_ranges_below_vismas_own_invoice_series_are_a_warning():
    class Company:
        """A Visma company whose own invoice series is at 500 (and that has nothing else)."""

        def list_all(self, path, params=None):
            return []

        def get(self, path):
            return {"NextCustomerInvoiceNumber": 500}

    # STH's invoices from 100, below 500; its credit notes from 1500000, above
    low = _pinned({**STH_RANGES, "invoice": 100})
    (warning,) = [f for f in check_visma(low, Company(), "main") if "own customer" in f.what]
    assert warning.severity == "warning"
    assert warning.what == (
        "Visma's own customer invoice series is at 500, past the start of "
        "`locations.STH.invoice_numbers.invoice` (100–1499999): invoices issued in Visma and "
        "our ledger items may share numbers"
    )
    assert not [
        f for f in check_visma(_pinned(STH_RANGES), Company(), "main") if "own customer" in f.what
    ]


def test_a_plan_nothing_invoiced_yet_is_still_checked():
    data = OfficeRnDData(
        {
            "revenue-accounts": [{"_id": "ra-keys", "code": "KEYS", "taxRate": "tr-25"}],
            "tax-rates": [{"_id": "tr-25", "code": "SE25", "rate": 25}],
            "plans": [{"_id": "p-key", "code": "KEYCARD", "revenueAccount": "ra-keys",
                       "intervalLength": "month", "type": "service"}],
        }
    )  # fmt: skip
    errors = [f.what for f in check_officernd(load_mapping(SANDBOX_MAPPING), data)
              if f.severity == "error"]  # fmt: skip
    assert errors == [
        "no revenue rule for revenue account KEYS: plan KEYCARD (type service, fee kind "
        "membership, tax rate SE25; not invoiced yet)"
    ]
