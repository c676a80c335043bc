"""Which momsdeklaration box each VAT code lands in, the mapping's overrides, and the
whole-krona rule."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from ornd_visma.mapping import SANDBOX_MAPPING, Mapping, load_mapping
from ornd_visma.vat.boxes import (
    Boxes,
    box_kind,
    code_boxes,
    declared_kronor,
    default_boxes,
    line_boxes,
    resolve_boxes,
)

D = Decimal


def test_standard_rates_go_to_05_and_their_vat_box():
    assert default_boxes("10", "standard", D(25)) == Boxes("05", "10")
    assert default_boxes("11", "standard", D(12)) == Boxes("05", "11")
    assert default_boxes("12", "standard", D(6)) == Boxes("05", "12")
    # the VAT box follows the percent, not the code's name
    assert default_boxes("MOMS25", "standard", D("25.00")) == Boxes("05", "10")


def test_a_code_named_08_is_rent_under_voluntary_tax_liability():
    assert default_boxes("08", "standard", D(25)) == Boxes("08", "10")


def test_zero_exempt_and_reverse_charge_have_no_vat_box():
    assert default_boxes("42", "exempt", D(0)) == Boxes("42", None)
    assert default_boxes("00", "zero", D(0)) == Boxes("42", None)
    assert default_boxes("39", "reverse_charge", D(0)) == Boxes("39", None)
    assert default_boxes("RC", "reverse_charge", D(0)) == Boxes("39", None)


def test_a_zero_rated_code_named_by_its_box_lands_there():
    assert default_boxes("40", "zero", D(0)) == Boxes("40", None)  # services outside the EU
    assert default_boxes("36", "zero", D(0)) == Boxes("36", None)  # goods outside the EU
    assert default_boxes("35", "reverse_charge", D(0)) == Boxes("35", None)  # goods to the EU
    # an exempt sale is box 42 whatever the code is called
    assert default_boxes("40", "exempt", D(0)) == Boxes("42", None)


def test_impossible_combinations_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"VAT code 10: no momsdeklaration box .* 8 %"):
        default_boxes("10", "standard", D(8))
    with pytest.raises(ValueError, match="exempt cannot have 25 % VAT"):
        default_boxes("42", "exempt", D(25))
    with pytest.raises(ValueError, match="unknown treatment 'margin'"):
        default_boxes("07", "margin", D(0))


def test_an_override_wins_over_the_default():
    assert resolve_boxes("10", "standard", D(25), base_box="08") == Boxes("08", "10")
    assert resolve_boxes("00", "zero", D(0), base_box="40") == Boxes("40", None)


def test_the_sandbox_mapping_gives_every_code_its_boxes():
    assert code_boxes(load_mapping(SANDBOX_MAPPING)) == {
        "10": Boxes("05", "10"),
        "11": Boxes("05", "11"),
        "12": Boxes("05", "12"),
        "00": Boxes("42", None),
        "42": Boxes("42", None),
        "39": Boxes("39", None),  # RCEU and reverse_charge agree
    }


def _mapping(**vat) -> Mapping:
    base = load_mapping(SANDBOX_MAPPING).model_dump()
    base["vat"].update(vat)
    return Mapping.model_validate(base)


def test_an_operator_with_its_own_code_for_voluntary_rent_gets_box_08():
    mapping = _mapping(
        SE25RENT={"vat_code": "R25", "percent": 25, "vat_account": 2613, "base_box": "08"}
    )
    assert code_boxes(mapping)["R25"] == Boxes("08", "10")
    assert code_boxes(mapping)["10"] == Boxes("05", "10")  # the ordinary 25 % unchanged


def test_tax_rates_sharing_a_code_must_agree_on_its_boxes():
    mapping = _mapping(OTHER={"vat_code": "10", "percent": 25, "vat_account": 2611,
                              "base_box": "08"})  # fmt: skip
    with pytest.raises(ValueError, match=r"vat\.OTHER and vat\.SE25 both use Visma VAT code 10"):
        code_boxes(mapping)


def test_the_mapping_refuses_unknown_boxes_and_vat_boxes_without_vat():
    with pytest.raises(ValidationError, match="base_box"):
        _mapping(X={"vat_code": "X", "percent": 25, "vat_account": 2611, "base_box": "07"})
    with pytest.raises(ValidationError, match="no VAT to declare"):
        _mapping(X={"vat_code": "X", "percent": 0, "vat_box": "10"})


def test_a_line_takes_its_codes_boxes_else_the_default_by_its_own_treatment():
    table = {"10": Boxes("05", "10")}
    assert line_boxes(table, "10", "standard", D(25)) == Boxes("05", "10")
    # a code the mapping no longer names: by the line's own treatment
    assert line_boxes(table, "OLD0", "exempt", D(0)) == Boxes("42", None)
    with pytest.raises(ValueError, match="no VAT code"):
        line_boxes(table, None, "standard", D(25))


def test_box_kinds():
    assert [box_kind(b) for b in ("05", "10", "11", "12", "39", "42")] == [
        "base", "vat", "vat", "vat", "base", "base",
    ]  # fmt: skip


def test_declared_in_whole_kronor_with_the_ore_dropped():
    assert declared_kronor(D("1234.99")) == 1234  # dropped, not rounded to 1235
    assert declared_kronor(D("1234.50")) == 1234
    assert declared_kronor(D("225.00")) == 225
    assert declared_kronor(D("-99.50")) == -99  # toward zero: a negative box loses its öre too
    assert declared_kronor(D("0.99")) == 0
    assert declared_kronor(None) is None
    with pytest.raises(TypeError):
        declared_kronor(1234.99)
