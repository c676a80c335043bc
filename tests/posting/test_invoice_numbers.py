"""Visma InvoiceNumbers unique per Visma company: the rule as plain functions (ranges, their
ends, the default, the sequence number), and posted to the simulated Visma: two locations'
`000101-…` invoices, a credit note and a correction's reversal each get a number of their own;
a number without digits, out of its range or given twice is held, naming it."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ornd_visma.mapping import SANDBOX_MAPPING, Mapping, MappingError, load_mapping
from ornd_visma.mapping.model import INT32_MAX
from ornd_visma.mapping.numbering import (
    NumberRange,
    default_starts,
    number_ranges,
    sequence_number,
)
from ornd_visma.posting.keys import InvoiceNumberError, invoice_number, reversal_number
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import inspect_state
from tests.posting.books import Line
from tests.posting.conftest import make_client

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))


def sandbox_data() -> dict:
    return yaml.safe_load(Path(SANDBOX_MAPPING).read_text(encoding="utf-8"))


def two_locations(sth: dict | None = None, gbg: dict | None = None, **extra) -> Mapping:
    """STH and GBG in one Visma company, pinned as given (None: the default)."""
    data = {
        "locations": {
            "STH": {"cost_center_item": "STH", **({"invoice_numbers": sth} if sth else {})},
            "GBG": {"cost_center_item": "GBG", **({"invoice_numbers": gbg} if gbg else {})},
        },
        **extra,
    }
    return Mapping.model_validate(data)


STH = {"invoice": 1_000_000, "credit_note": 1_500_000, "reversal": 1_900_000}
GBG = {"invoice": 2_000_000, "credit_note": 2_500_000, "reversal": 2_900_000}


# -- the rule ---------------------------------------------------------------------------------


def test_the_sequence_number_is_the_first_run_of_digits_unless_a_pattern_says_otherwise():
    assert sequence_number("000101-STH") == 101  # leading zeros dropped
    assert sequence_number("CN00001-STH") == 1
    assert sequence_number("000101-G2") == 101  # digits in the location code come later
    assert sequence_number("FAKTURA-STH") is None and sequence_number(None) is None
    # a `{{year}}-{{number}}` template: the second group of digits
    assert sequence_number("2026-0012-STH", r"^\d+-(\d+)") == 12


def test_a_range_ends_where_the_next_range_of_the_same_company_starts():
    ranges = number_ranges(two_locations(STH, GBG))
    # STH invoices 1000000 … 1499999, credit notes 1500000 … 1899999, reversals … 1999999
    assert (ranges[("STH", "invoice")].start, ranges[("STH", "invoice")].end) == (
        1_000_000,
        1_499_999,
    )
    assert ranges[("STH", "credit_note")].end == 1_899_999
    assert ranges[("STH", "reversal")].end == 1_999_999
    # the last range of the company goes up to the int32 limit
    assert ranges[("GBG", "reversal")].end == INT32_MAX == 2_147_483_647
    # another Visma company's ranges do not end this company's
    other = Mapping.model_validate(
        {
            "entities": {"main": {}, "gbg": {"env_prefix": "VISMA_GBG"}},
            "locations": {
                "STH": {"invoice_numbers": STH},
                "GBG": {"entity": "gbg", "invoice_numbers": {**GBG, "invoice": 1_200_000}},
            },
        }
    )
    assert number_ranges(other)[("STH", "invoice")].end == 1_499_999


def test_invoice_number_is_the_range_start_plus_the_sequence_number():
    ranges = number_ranges(two_locations(STH, GBG))
    # 1000000 + 101 and 2000000 + 101: the two locations' 000101 differ
    assert invoice_number("000101-STH", ranges[("STH", "invoice")]) == 1_000_101
    assert invoice_number("000101-GBG", ranges[("GBG", "invoice")]) == 2_000_101
    # and STH's credit note with the same digits: 1500000 + 101
    assert invoice_number("CN00101-STH", ranges[("STH", "credit_note")]) == 1_500_101


def test_a_number_without_digits_or_past_its_range_is_refused_naming_it():
    small = NumberRange("main", "STH", "invoice", 1_000, 1_099, True)
    assert invoice_number("000099-STH", small) == 1_099  # 1000 + 99, the last one
    with pytest.raises(InvoiceNumberError, match=r"'000100-STH': 1000 \+ 100 = 1100 is past"):
        invoice_number("000100-STH", small)
    with pytest.raises(InvoiceNumberError, match="'FAKTURA-STH' has no sequence number"):
        invoice_number("FAKTURA-STH", small)
    near_the_top = NumberRange("main", "STH", "invoice", INT32_MAX - 10, INT32_MAX, True)
    with pytest.raises(InvoiceNumberError, match="is past the end"):
        invoice_number("000011-STH", near_the_top)  # 2147483637 + 11 = 2147483648 > int32


def test_a_reversal_takes_the_next_free_number_of_its_range():
    reversals = NumberRange("main", "STH", "reversal", 1_900_000, 1_999_999, True)
    assert reversal_number(reversals, []) == 1_900_001
    # numbers of other ranges do not count; 1900002 is the highest in this one
    assert reversal_number(reversals, [1_000_101, 1_900_001, 1_900_002, 2_000_000]) == 1_900_003
    with pytest.raises(InvoiceNumberError, match="is full"):
        reversal_number(reversals, [1_999_999])


def test_the_default_depends_on_the_location_key_alone():
    # A stability contract: these are the numbers operators without pins have posted with.
    # sha256("STH") mod 712 = 319: 10000000 + 319 x 3000000 = 967000000
    assert default_starts("STH") == {
        "invoice": 967_000_000,
        "credit_note": 968_000_000,
        "reversal": 969_000_000,
    }
    alone = number_ranges(Mapping.model_validate({"locations": {"STH": {}}}))
    # adding a location (before STH in the file) does not move STH's ranges
    more = number_ranges(
        Mapping.model_validate({"locations": {"ABC": {}, "GBG": {}, "STH": {}, "UME": {}}})
    )
    assert {s: alone[("STH", s)].start for s in ("invoice", "credit_note", "reversal")} == {
        s: more[("STH", s)].start for s in ("invoice", "credit_note", "reversal")
    }
    for (key, _), r in more.items():
        assert not r.pinned and r.start >= 10_000_000 and r.start + 999_999 <= INT32_MAX, key


def test_the_mapping_wants_every_series_of_a_pinned_location_and_a_valid_pattern(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "locations:\n  STH: {invoice_numbers: {invoice: 1000000, credit_note: 1500000}}\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match=r"locations\.STH\.invoice_numbers\.reversal"):
        load_mapping(path)
    path.write_text(
        "locations:\n  STH: {invoice_numbers: {invoice: 3000000000, credit_note: 1, "
        "reversal: 2}}\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match=r"invoice_numbers\.invoice"):
        load_mapping(path)
    path.write_text("numbering: {sequence_pattern: '(\\d+'}\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"numbering\.sequence_pattern: .*regular expression"):
        load_mapping(path)


# -- posted to the simulated Visma -------------------------------------------------------------


def post(books, sim, tmp_path, mapping):
    with make_client(sim, tmp_path / "tokens") as client:
        return Poster(books.conn, mapping, {"main": client}).run(*JUNE)


def numbers_in_visma(sim) -> list[tuple[int, bool, str | None]]:
    items = inspect_state(sim.state_dir)["ledger_items"]
    return sorted(
        (i["InvoiceNumber"], i["IsCreditInvoice"], i.get("PaymentReferenceNumber")) for i in items
    )


def test_two_locations_000101_and_a_credit_note_get_distinct_numbers(books, sim, tmp_path):
    books.document("d1", "000101-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    books.document(
        "d2", "000101-GBG", "c1", date(2026, 6, 10), [Line(3001, D("100.00"), location="GBG")]
    )
    books.document(
        "d3", "CN00101-STH", "c1", date(2026, 6, 11), [Line(3001, D("40.00"))], credit=True
    )
    summary = post(books, sim, tmp_path, load_mapping(SANDBOX_MAPPING))
    assert summary.failed == [] and summary.held == []
    # the sandbox mapping: STH invoices from 10000000, STH credit notes from 15000000, GBG
    # invoices from 20000000; + 101 each
    assert numbers_in_visma(sim) == [
        (10_000_101, False, "000101-STH"),
        (15_000_101, True, "CN00101-STH"),
        (20_000_101, False, "000101-GBG"),
    ]


def test_a_corrections_reversal_has_a_number_of_its_own(books, sim, tmp_path):
    mapping = two_locations(STH, GBG)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    post(books, sim, tmp_path, mapping)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("120.00"))])
    assert post(books, sim, tmp_path, mapping).failed == []
    # the posted 1000000 + 1; its reversal, the first of STH's reversal range, 1900000 + 1;
    # the new revision of the same document, again 1000000 + 1
    assert numbers_in_visma(sim) == [
        (1_000_001, False, "000001-STH"),
        (1_000_001, False, "000001-STH"),
        (1_900_001, True, "000001-STH"),
    ]
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, D("130.00"))])
    post(books, sim, tmp_path, mapping)
    # the second correction's reversal: the next one, 1900000 + 2
    assert [n for n, credit, _ in numbers_in_visma(sim) if credit] == [1_900_001, 1_900_002]


def test_numbers_without_digits_past_their_range_or_given_twice_are_held(books, sim, tmp_path):
    # STH's invoices may use 1000000 … 1000099 only: its credit notes start at 1000100
    cramped = two_locations({**STH, "credit_note": 1_000_100}, GBG)
    books.document("d1", "FAKTURA-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    books.document("d2", "000100-STH", "c1", date(2026, 6, 11), [Line(3001, D("100.00"))])
    books.document("d3", "000007-STH", "c1", date(2026, 6, 12), [Line(3001, D("100.00"))])
    # a numbering that restarts: 000007 again, another document
    books.document("d4", "000007-STH", "c1", date(2026, 6, 13), [Line(3001, D("100.00"))])
    summary = post(books, sim, tmp_path, cramped)
    reasons = {key.split("-")[1]: reason for key, _, reason in summary.held}
    assert reasons["d1"].startswith("OfficeRnD number 'FAKTURA-STH' has no sequence number")
    # 1000000 + 100 = 1000100, where the credit notes start
    assert reasons["d2"].startswith("OfficeRnD number '000100-STH': 1000000 + 100 = 1000100")
    assert "the ledger item of document d3 already has" in reasons["d4"]
    assert sorted(reasons) == ["d1", "d2", "d4"]
    assert numbers_in_visma(sim) == [(1_000_007, False, "000007-STH")]  # 1000000 + 7
    # Pinned with room, the held 000100 goes out on the next run with its number; the others
    # stay held.
    roomy = two_locations(STH, GBG)
    again = post(books, sim, tmp_path, roomy)
    assert sorted(key.split("-")[1] for key, _, _ in again.held) == ["d1", "d4"]
    assert numbers_in_visma(sim) == [
        (1_000_007, False, "000007-STH"),
        (1_000_100, False, "000100-STH"),  # 1000000 + 100
    ]


def test_in_invoice_mode_visma_numbers_the_invoices_in_its_own_series(books, sim, tmp_path):
    from tests.posting.test_modes import invoice_mapping, make_articles

    books.document("d1", "000101-STH", "c1", date(2026, 6, 10), [Line(3001, D("100.00"))])
    books.document(
        "d2", "000101-GBG", "c1", date(2026, 6, 11), [Line(3001, D("100.00"), location="GBG")]
    )
    books.document(
        "d3", "CN00101-STH", "c1", date(2026, 6, 12), [Line(3001, D("40.00"))], credit=True
    )
    # no digits: no InvoiceNumber of ours is needed, so nothing to hold
    books.document("d4", "FAKTURA-STH", "c1", date(2026, 6, 13), [Line(3001, D("10.00"))])
    with make_client(sim, tmp_path / "tokens") as client:
        make_articles(client)
        summary = Poster(books.conn, invoice_mapping(), {"main": client}).run(*JUNE)
    assert summary.failed == [] and summary.held == []
    invoices = sorted(inspect_state(sim.state_dir)["invoices"], key=lambda i: i["InvoiceDate"])
    # Visma's series of the company, 1, 2, 3, 4 in the order sent; OfficeRnD's number is the
    # invoice's YourReference
    assert [(i["InvoiceNumber"], i["YourReference"]) for i in invoices] == [
        (1, "000101-STH"),
        (2, "000101-GBG"),
        (3, "CN00101-STH"),
        (4, "FAKTURA-STH"),
    ]
