"""`ornd-visma init`'s proposal, on a hand-made OfficeRnD operator and Visma company: every
match worked out by hand below, what cannot be matched listed and left out (so doctor flags
it), and the written YAML loading back through `load_mapping` as the same mapping."""

from decimal import Decimal

import pytest
import yaml

from ornd_visma.mapping import FloorMap, LocationMap, RevenueRule, VatMap, load_mapping
from ornd_visma.mapping.doctor import OfficeRnDData, check_officernd
from ornd_visma.mapping.propose import Proposal, VismaCatalogue, env_prefix_for, propose
from ornd_visma.mapping.propose.choices import Choice
from ornd_visma.mapping.propose.names import similarity, unique_short
from ornd_visma.mapping.propose.revenue import classify
from ornd_visma.mapping.write import render, scalar, write

# -- the hand-made OfficeRnD operator -----------------------------------------------------------

TAX_RATES = [
    {"_id": "t25", "code": "SE25", "name": "Moms 25%", "type": "standard", "rate": 25},
    {"_id": "t12", "code": "SE12", "name": "Moms 12%", "type": "reduced", "rate": 12},
    {"_id": "tex", "code": "EXEMPT", "name": "Momsfri", "type": "exempt", "rate": 0},
    {"_id": "trc", "code": "RCEU", "name": "Omvänd EU", "type": "reverse_charge", "rate": 0},
    # Norwegian VAT: this Swedish Visma company has no 15 % code
    {"_id": "tno", "code": "NO15", "name": "MVA 15%", "type": "standard", "rate": 15},
]
REVENUE_ACCOUNTS = [
    {"_id": "ra-m", "code": "MEMBERSHIP", "name": "Membership Fees", "taxRate": "t25",
     "defaultFor": "membershipFees"},
    {"_id": "ra-o", "code": "OFFICE", "name": "Kontorshyra", "taxRate": "tex"},
    {"_id": "ra-c", "code": "CAFE", "name": "Café", "taxRate": "t12"},
    {"_id": "ra-p", "code": "PARKING", "name": "Parkering", "taxRate": "t25"},
    {"_id": "ra-d", "code": "DEPOSITS", "name": "Deposits", "defaultFor": "deposits"},
    {"_id": "ra-s", "code": "SAUNA", "name": "Bastu", "taxRate": "tno"},
    {"_id": "ra-x", "code": "EXTRA", "name": "Extras"},  # no tax rate, never invoiced
]  # fmt: skip
LOCATIONS = [
    {"_id": "l-sth", "code": "STH", "name": "Stockholm Södermalm"},
    {"_id": "l-gbg", "code": "GBG", "name": "Göteborg"},
    {"_id": "l-upp", "code": "UPP", "name": "Uppsala"},
]
FLOORS = [
    {"_id": "f-1", "location": "l-sth", "floor": "1", "name": "Plan 1"},
    {"_id": "f-2", "location": "l-sth", "floor": "2", "name": "Plan 2"},
]


def _line(account: str, tax: str) -> dict:
    return {"account": account, "taxRate": tax, "membership": "ms-1"}


PAYMENTS = [
    {
        "_id": "inv-1",
        "documentType": "invoice",
        "lines": [
            _line("ra-m", "trc"),  # an EU business member: reverse charge on membership
            _line("ra-m", "t12"),  # membership with a 12 % line: a rule of its own
            _line("ra-c", "t12"),
            _line("ra-s", "tno"),  # the sauna at Norwegian VAT: cannot be matched
        ],
    }
]


def officernd() -> OfficeRnDData:
    return OfficeRnDData(
        {
            "tax-rates": TAX_RATES,
            "revenue-accounts": REVENUE_ACCOUNTS,
            "locations": LOCATIONS,
            "floors": FLOORS,
            "payments": PAYMENTS,
        },
        "hand-made",
    )


# -- the hand-made Visma company ----------------------------------------------------------------


def _account(number: int, name: str, vat: str | None = None, active: bool = True) -> dict:
    return {"Number": str(number), "Name": name, "VatCodeId": vat, "IsActive": active}


def _code(code: str, rate: str, description: str, related: int | None = None) -> dict:
    return {
        "Id": code,
        "Code": code,
        "VatRate": Decimal(rate),
        "Description": description,
        "RelatedAccounts": {"AccountNumber1": related},
    }


def visma() -> VismaCatalogue:
    accounts = [
        _account(1510, "Kundfordringar"),
        _account(3740, "Öres- och kronutjämning"),
        _account(2970, "Förutbetalda intäkter"),
        _account(2420, "Förskott från kunder"),
        _account(2611, "Utgående moms 25 %", "10"),
        _account(2621, "Utgående moms 12 %", "11"),
        _account(2641, "Ingående moms", "48"),
        _account(3001, "Försäljning 25 %", "10"),
        _account(3002, "Försäljning 12 %", "11"),
        _account(3004, "Försäljning momsfri", "42"),
        _account(3911, "Hyresintäkter", "42", active=False),  # inactive: 3004 instead
        _account(3308, "Tjänster till EU", "39"),
        # no 3590: parking goes to 3001
    ]
    return VismaCatalogue(
        accounts={int(a["Number"]): a for a in accounts},
        vat_codes=[
            _code("10", "0.25", "Utgående moms 25 %", 2611),
            _code("11", "0.12", "Utgående moms 12 %", 2621),
            _code("42", "0", "Momsfri försäljning"),
            _code("39", "0", "Tjänster till annat EU-land, omvänd betalningsskyldighet"),
            _code("48", "0.25", "Ingående moms", 2641),  # 25 % too, but the buying side
        ],
        cost_centers={
            1: {
                "Number": 1,
                "IsActive": True,
                "Items": [
                    {"ShortName": "SODER", "Name": "Södermalm", "IsActive": True},
                    {"ShortName": "GBG", "Name": "Gbg kontor", "IsActive": True},
                    {"ShortName": "UPP", "Name": "Uppsala", "IsActive": False},
                ],
            },
            2: {
                "Number": 2,
                "IsActive": True,
                "Items": [{"ShortName": "SOD-1", "Name": "Södermalm plan 1", "IsActive": True}],
            },
        },
        articles=[{"Number": "MEMBERSHIP", "Name": "Medlemskap", "IsActive": True,
                   "CodingId": "c25"}],
        codings={"c25": {"Id": "c25", "Name": "Tjänster 25 %",
                         "DomesticSalesSubjectToVatAccountNumber": 3001}},
        settings={"DomesticCurrencyRounding": 1},
    )  # fmt: skip


@pytest.fixture(scope="module")
def proposal() -> Proposal:
    return propose(officernd(), visma(), "main", "hand-made data")


# -- the tests ----------------------------------------------------------------------------------


def test_tax_rates_take_the_visma_code_of_their_rate_and_account(proposal):
    assert {c.key: c.value for c in proposal.vat} == {
        # 25 %: codes 10 (on 2611) and 48 (on 2641, "Ingående": input VAT) have the rate;
        # only 10 is output VAT
        "SE25": VatMap(vat_code="10", percent=25, vat_account=2611),
        # 12 %: code 11 is 0.12 on 2621
        "SE12": VatMap(vat_code="11", percent=12, vat_account=2621),
        # 0 %, "momsfri": code 42
        "EXEMPT": VatMap(vat_code="42", percent=0, treatment="exempt"),
        # 0 %, "omvänd betalningsskyldighet", EU services: code 39
        "RCEU": VatMap(vat_code="39", percent=0, treatment="reverse_charge"),
        # NO15 is missing: no Visma code is 15 %
    }
    rc = proposal.reverse_charge
    assert rc is not None and (rc.value.vat_code, rc.value.account) == ("39", 3308)
    se25 = next(c for c in proposal.vat if c.key == "SE25")
    assert "OfficeRnD tax rate SE25 (Moms 25%) is 25 %" in se25.why
    assert '2611 "Utgående moms 25 %"' in se25.why


def test_revenue_accounts_go_to_the_bas_account_of_their_class_and_rate(proposal):
    rules = [c.value for c in proposal.revenue]
    assert rules == [
        # Café at 12 %: catering, BAS 3002, on the day of use
        RevenueRule(revenue_account="CAFE", account=3002, revenue_class="catering",
                    recognition="point"),
        # a deposit is a liability: 2420, whatever the tax rate
        RevenueRule(revenue_account="DEPOSITS", account=2420, revenue_class="deposit",
                    recognition="point"),
        # membership at 25 %: 3001; the article MEMBERSHIP's coding books 25 % on 3001
        RevenueRule(revenue_account="MEMBERSHIP", account=3001, article="MEMBERSHIP",
                    revenue_class="membership"),
        # its 12 % line: 3002, a rule naming the tax rate (3001 would be the wrong VAT)
        RevenueRule(revenue_account="MEMBERSHIP", tax_rate="SE12", account=3002,
                    revenue_class="membership"),
        # "Kontorshyra" (office rent), exempt: 3911 is inactive, so 3004
        RevenueRule(revenue_account="OFFICE", account=3004, revenue_class="private_office"),
        # parking at 25 %: Visma has no 3590, so 3001
        RevenueRule(revenue_account="PARKING", account=3001, revenue_class="parking"),
    ]  # fmt: skip
    membership = next(c for c in proposal.revenue if c.value.revenue_account == "MEMBERSHIP")
    assert membership.why.startswith('3001 "Försäljning 25 %": BAS sales in Sweden at 25 % VAT')
    assert "its tax rate SE25 is 25 %" in membership.why
    assert "reverse-charge lines (RCEU) match this rule" in membership.why
    office = next(c for c in proposal.revenue if c.value.revenue_account == "OFFICE")
    assert "(3911 is not active in Visma or has another VAT code)" in office.why


def test_what_cannot_be_matched_is_listed_with_why_and_left_out(proposal):
    assert [(u.what, u.reason) for u in proposal.unmatched] == [
        (
            "tax rate NO15 (MVA 15%)",
            "Visma has no 15 % VAT code on an active output VAT account",
        ),
        (
            "revenue account EXTRA (Extras)",
            "it has no domestic tax rate in OfficeRnD and no invoice line shows one",
        ),
        (
            "revenue account SAUNA (Bastu)",
            "its tax rate NO15 is not matched (see there)",
        ),
    ]
    mapping = proposal.mapping()
    assert "NO15" not in mapping.vat
    assert not [r for r in mapping.revenue if r.revenue_account in ("SAUNA", "EXTRA")]
    # so doctor flags both, and the sauna's documents are held
    errors = [f.what for f in check_officernd(mapping, officernd()) if f.severity == "error"]
    assert any(e.startswith("tax rate NO15") for e in errors), errors
    assert any("no revenue rule for revenue account SAUNA" in e for e in errors), errors


def test_locations_and_floors_take_items_by_name_or_a_short_name_from_the_code(proposal):
    assert {c.key: c.value for c in proposal.locations} == {
        # "Södermalm" is all words of "Stockholm Södermalm": similarity 0.9
        "STH": LocationMap(entity="main", cost_center_item="SODER"),
        # the item's ShortName is the location code
        "GBG": LocationMap(entity="main", cost_center_item="GBG"),
        # the only item like Uppsala is inactive and has the ShortName UPP: UPP2 is new
        "UPP": LocationMap(entity="main", cost_center_item="UPP2"),
    }
    assert {c.key: c.value.cost_center_item for c in proposal.floors} == {
        "STH/Plan 1": "SOD-1",  # "Södermalm plan 1" ⊂ "Stockholm Södermalm Plan 1"
        "STH/Plan 2": "STH-P2",  # Plan 2 is not plan 1: from the code and floor number
    }
    upp = next(c for c in proposal.locations if c.key == "UPP")
    assert "posting creates the item" in upp.why


def test_names_match_by_words_and_spelling_never_across_numbers():
    assert similarity("GBG", "gbg") == 1.0
    assert similarity("Södermalm", "Stockholm Södermalm") == 0.9  # words contained
    assert similarity("Plan 1", "Plan 2") == 0.0  # numbers differ
    # "kungsholmen" vs "kungsholm": 2 × 9 matching / (11 + 9) characters = 0.9
    assert similarity("Kungsholmen", "Kungsholm") == pytest.approx(0.9)
    assert unique_short("STOCKHOLM-CITY", set()) == "STOCKHOLM"  # 9 characters
    assert unique_short("STH", {"sth", "STH2"}) == "STH3"


def test_a_revenue_account_is_classed_by_preset_words_then_use():
    assert classify({"defaultFor": "bookingFees", "name": "Parking"}, [], set(), set())[0] == (
        "booking_fee"  # the preset wins over the words
    )
    # "revenue" in a description is not "venue" (event space)
    assert classify({"code": "X1", "description": "Parking revenue"}, [], set(), set())[0] == (
        "parking"
    )
    assert classify({"code": "Q"}, [], {"deposit"}, set())[0] == "deposit"
    assert classify({"code": "Q"}, [], {"booking"}, {"event_space"})[0] == "event_space"
    assert classify({"code": "Q"}, [{"type": "office"}], {"membership"}, set())[0] == (
        "private_office"
    )
    assert classify({"code": "9-Misc"}, [], set(), set()) == (
        "revenue_9_misc",
        "nothing says what it sells, so the class is named after its code",
    )


def test_the_written_file_loads_as_the_proposal_and_says_why(proposal, tmp_path):
    path = tmp_path / "mapping.yaml"
    write(path, proposal)
    assert load_mapping(path) == proposal.mapping()
    text = path.read_text(encoding="utf-8")
    assert "# NOT MATCHED (3)" in text
    assert "#   - tax rate NO15 (MVA 15%): Visma has no 15 % VAT code" in text
    # the reason is on the comment line(s) just above its entry
    lines = text.splitlines()
    index = lines.index('  SE25: {vat_code: "10", percent: 25, vat_account: 2611}')
    assert lines[index - 1].lstrip().startswith("#") and "25 %" in lines[index - 1]
    assert all(len(line) <= 100 for line in lines if line.lstrip().startswith("#"))
    assert "rounding:" not in yaml.safe_load(text)  # follows Visma (DomesticCurrencyRounding)


def test_awkward_names_are_quoted_so_they_read_back_the_same(tmp_path):
    # "NO" is false in YAML 1.1, "10" a number, ": " and " #" break a plain scalar
    proposal = Proposal(
        entity="main",
        env_prefix="VISMA",
        locations=[Choice("NO", LocationMap(cost_center_item="on"), "Oslo: # a hash")],
        floors=[Choice("NO/Plan: 1 # top", FloorMap(cost_center_item="NO-P1"), "")],
        vat=[Choice("10", VatMap(vat_code="yes", percent=Decimal("12.5"), vat_account=2621), "")],
    )
    path = tmp_path / "awkward.yaml"
    write(path, proposal)
    loaded = load_mapping(path)
    assert loaded == proposal.mapping()
    assert loaded.locations["NO"].cost_center_item == "on"
    assert list(loaded.floors) == ["NO/Plan: 1 # top"]
    assert loaded.vat["10"].vat_code == "yes" and loaded.vat["10"].percent == Decimal("12.5")
    assert scalar("Plan: 1 # top") == '"Plan: 1 # top"'
    assert scalar("STH-P1") == "STH-P1"
    text = render(proposal)
    assert "# Everything the OfficeRnD data uses was matched." in text


def test_another_entity_reads_its_own_variables():
    assert env_prefix_for("main") == "VISMA"
    assert env_prefix_for("gbg") == "VISMA_GBG"
    assert env_prefix_for("south-west") == "VISMA_SOUTH_WEST"
