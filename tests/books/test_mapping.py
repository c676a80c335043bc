"""The mapping loader: the example loads, bad files raise naming the key, rules match."""

from decimal import Decimal
from pathlib import Path

import pytest

from ornd_visma.config import DEFAULT_MAPPING, mapping_path
from ornd_visma.mapping import SANDBOX_MAPPING, MappingError, load_mapping

MINIMAL = """
locations:
  STH: {cost_center_item: STH}
vat:
  SE25: {vat_code: "10", percent: 25, vat_account: 2611}
revenue:
  - {revenue_account: MEMBERSHIP, account: 3001, revenue_class: membership}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_loads_with_the_contract_keys():
    mapping = load_mapping(SANDBOX_MAPPING)
    assert mapping.posting_mode == "ledger"
    assert mapping.on_change == "correct"
    assert mapping.rounding_mode() == "whole_krona"
    assert (mapping.accounts.receivable, mapping.accounts.rounding) == (1510, 3740)
    assert mapping.accounts.deferred_revenue == 2970
    assert (mapping.accrue_income, mapping.accounts.accrued_income) == (True, 1790)
    assert mapping.entities["main"].env_prefix == "VISMA"
    assert mapping.locations["STH"].cost_center_item == "STH"
    assert mapping.floors["STH/Plan 1"].cost_center_item == "STH-P1"
    assert mapping.vat["SE25"].vat_code == "10" and mapping.vat["SE25"].vat_account == 2611
    assert mapping.vat["RCEU"].vat_treatment == "reverse_charge"
    assert mapping.vat["EXEMPT"].vat_treatment == "exempt"
    assert (mapping.reverse_charge.vat_code, mapping.reverse_charge.account) == ("39", 3308)
    # Add-ons and booking fees each on their own account, apart from memberships.
    accounts = {
        rule.revenue_class: rule.account
        for rule in mapping.revenue
        if rule.revenue_class in ("membership", "printing", "parking", "event_space", "booking_fee")
    }
    assert len(set(accounts.values())) == 5, accounts


def test_defaults_of_a_minimal_file(tmp_path):
    mapping = load_mapping(write(tmp_path, MINIMAL))
    assert mapping.posting_mode == "ledger" and mapping.on_change == "correct"
    assert mapping.rounding is None
    assert mapping.rounding_mode() == "whole_krona"  # Swedish practice when Visma is not asked
    assert mapping.rounding_mode(visma_domestic_rounding=0) == "none"
    assert mapping.rounding_mode(visma_domestic_rounding=1) == "whole_krona"
    assert mapping.accounts.model_dump() == {
        "receivable": 1510,
        "rounding": 3740,
        "deferred_revenue": 2970,
        "accrued_income": 1790,
    }
    assert mapping.accrue_income is True  # K3: accrued income is posted unless turned off
    assert mapping.locations["STH"].entity == "main"
    assert mapping.vat["SE25"].percent == Decimal(25)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (MINIMAL + "posting_mode: journal\n", "posting_mode"),
        (MINIMAL.replace("account: 3001", "account: three"), "revenue.0.account"),
        (MINIMAL.replace("revenue_class: membership", "revenue_klass: membership"), "revenue.0"),
        (MINIMAL + "accounts: {rounding: öre}\n", "accounts.rounding"),
        (MINIMAL.replace("vat_account: 2611", "vat_account: null"), "vat.SE25"),
        (
            MINIMAL.replace("{cost_center_item: STH}", "{cost_center_item: STOCKHOLM-1}"),
            "locations.STH.cost_center_item",
        ),
        (MINIMAL.replace("{cost_center_item: STH}", "{entity: gbg}"), "locations.STH.entity"),
        (MINIMAL + "floors: {'GBG/Plan 1': {cost_center_item: G1}}\n", "floors.GBG/Plan 1"),
        (MINIMAL + "floors: {'Plan 1': {cost_center_item: G1}}\n", "floors"),
        (MINIMAL + "  - {account: 3001, revenue_class: other}\n", "revenue.1"),
        (MINIMAL + "posting_mode: invoices\n", "revenue 0"),
        (MINIMAL + "entities: {main: {env_prefix: visma-lower}}\n", "entities.main.env_prefix"),
        (MINIMAL + "accrue_income: sometimes\n", "accrue_income"),
        (MINIMAL + "accrue_incomes: false\n", "accrue_incomes"),
    ],
)
def test_a_bad_file_raises_naming_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    message = str(raised.value)
    assert str(path) in message
    assert key in message, message


def test_a_k2_operator_turns_accruals_off(tmp_path):
    mapping = load_mapping(
        write(tmp_path, MINIMAL + "accrue_income: false\naccounts: {accrued_income: 1799}\n")
    )
    assert (mapping.accrue_income, mapping.accounts.accrued_income) == (False, 1799)


def test_unreadable_and_non_yaml_files(tmp_path):
    with pytest.raises(MappingError, match="cannot read"):
        load_mapping(tmp_path / "missing.yaml")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(write(tmp_path, "revenue: [unclosed"))
    with pytest.raises(MappingError, match="must be a YAML mapping"):
        load_mapping(write(tmp_path, "- a list\n"))


def test_most_specific_rule_wins_and_first_among_equals(tmp_path):
    mapping = load_mapping(
        write(
            tmp_path,
            MINIMAL + "  - {revenue_account: MEMBERSHIP, tax_rate: RCEU, account: 3308, "
            "revenue_class: membership}\n"
            + "  - {revenue_account: MEMBERSHIP, account: 3002, revenue_class: duplicate}\n"
            + "  - {fee_kind: booking, account: 3913, revenue_class: booking_fee}\n",
        )
    )
    domestic = {"revenue_account": ("MEMBERSHIP", "id1"), "tax_rate": ("SE25", "id2")}
    assert mapping.revenue_rule(domestic).account == 3001  # first of two equal rules
    eu = {"revenue_account": ("id1", "MEMBERSHIP"), "tax_rate": ("RCEU",)}
    assert mapping.revenue_rule(eu).account == 3308  # two keys beat one
    assert mapping.revenue_rule({"fee_kind": ("booking",)}).revenue_class == "booking_fee"
    assert mapping.revenue_rule({"revenue_account": ("ORDER",)}) is None


def test_mapping_path_from_the_environment(tmp_path):
    assert mapping_path({}) == DEFAULT_MAPPING
    assert str(DEFAULT_MAPPING) == SANDBOX_MAPPING
    assert mapping_path({"ORND_VISMA_MAPPING": str(tmp_path / "m.yaml")}) == tmp_path / "m.yaml"
