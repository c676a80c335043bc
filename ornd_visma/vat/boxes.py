"""Which momsdeklaration box a Visma VAT code lands in, and how a box's figure is declared.

Visma builds its VAT report from the VAT code on each voucher row (Skatteverket's form
SKV 4700, the sales part): a row on a sales account adds its net to the code's **base box**,
a row on the code's VAT account (2611 …) adds its VAT to the code's **VAT box**. The books
do the same per invoice line, so both sides of the VAT-return check use these rules.

Defaults, by the line's treatment and percent and the Visma code (`default_boxes`):

* `standard` 25 / 12 / 6 %: base **05** (momspliktig försäljning), or **08** when the Visma
  code is `08`; VAT **10 / 11 / 12**.
* `reverse_charge` (an EU business buying services): base **39**, no VAT.
* `zero` (0 %): base **42** (övrig försäljning), no VAT.
* `exempt` (momsfri, e.g. a private office let as property): base **42**, no VAT.
* `zero` and `reverse_charge` under a Visma code that is itself a 0 % box (35, 36, 39, 40)
  land in that box: an export of services coded `40` is box 40.

The sandbox's Visma names its codes by box (`10` on 3001 and 2611, `39` on 3308, `40` on
3305 …), hence "the code's own box". A real company whose codes are named otherwise, or an
operator who lets rooms under **frivillig skattskyldighet** (box 08) with its own tax rate,
says so in the mapping: `vat.<tax rate>.base_box` / `.vat_box` override the default for
that entry's Visma code (`vat: {SE25RENT: {vat_code: "08", percent: 25, vat_account: 2613,
base_box: "08"}}`).

Not produced, by choice:

* **06** (momspliktiga uttag: what the business takes out or gives away for free) is not an
  invoice to a customer, so OfficeRnD never has one; **07** (vinstmarginalbeskattning, the
  margin scheme for second-hand goods, art and travel) has the margin as its base, not an
  invoice's net, and a coworking operator sells nothing under it. Neither is accepted as an
  override either: the product cannot compute their base.
* **41** (the buyer liable in Sweden: construction, scrap metal …) and the purchase boxes
  (20–32, 48, 50–62) do not arise from sales invoices of a coworking operator.
* **49** (moms att betala) needs the input VAT (box 48) of the purchases, which the product
  does not see; Visma computes it.

**Whole kronor**: the momsdeklaration takes whole kronor, öre are dropped (not rounded):
"ören ska bortfalla, dvs endast hela krontal ska redovisas" (Björn Lundén; reference §3.4:
"VAT declared/paid in whole kronor"). `declared_kronor` truncates each box toward zero:
1 234.99 → 1 234, −99.50 → −99. The books keep the öre (bookkeeping is kept to the öre);
the öre dropped on the return are Visma's to clear at the VAT settlement.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from ornd_visma.mapping.model import Mapping

BaseBox = Literal["05", "08", "35", "36", "39", "40", "42"]
VatBox = Literal["10", "11", "12"]
BASE_BOXES: tuple[str, ...] = get_args(BaseBox)
VAT_BOXES: tuple[str, ...] = get_args(VatBox)
BOX_NAMES = {
    "05": "Momspliktig försäljning som inte ingår i ruta 06, 07 eller 08",
    "08": "Hyresinkomster vid frivillig skattskyldighet",
    "10": "Utgående moms 25 %",
    "11": "Utgående moms 12 %",
    "12": "Utgående moms 6 %",
    "35": "Försäljning av varor till ett annat EU-land",
    "36": "Försäljning av varor utanför EU",
    "39": "Försäljning av tjänster till en näringsidkare i ett annat EU-land (huvudregeln)",
    "40": "Övrig försäljning av tjänster omsatta utanför Sverige",
    "42": "Övrig försäljning m.m. (momsfri, 0 %)",
}
OUTPUT_VAT_BOX = {Decimal(25): "10", Decimal(12): "11", Decimal(6): "12"}
CODE_NAMED_ZERO_BOXES = frozenset({"35", "36", "39", "40"})  # 0 % codes named by their box
VOLUNTARY_RENT_CODE = "08"


@dataclass(frozen=True)
class Boxes:
    """The boxes of one Visma VAT code: where its net goes, and where its VAT goes."""

    base: str | None
    vat: str | None


def box_kind(box: str) -> str:
    """`vat` for the output-VAT boxes 10/11/12, `base` for the others."""
    return "vat" if box in VAT_BOXES else "base"


def default_boxes(vat_code: str, treatment: str, percent: Decimal | int) -> Boxes:
    """The boxes of a line (or Visma code) by its treatment, percent and Visma code."""
    percent = Decimal(percent)
    if treatment == "standard":
        vat_box = OUTPUT_VAT_BOX.get(percent)
        if vat_box is None:
            raise ValueError(
                f"VAT code {vat_code}: no momsdeklaration box for output VAT at {percent} % "
                f"(Swedish rates are {', '.join(str(p) for p in OUTPUT_VAT_BOX)} %)"
            )
        return Boxes("08" if vat_code == VOLUNTARY_RENT_CODE else "05", vat_box)
    if percent != 0:
        raise ValueError(f"VAT code {vat_code}: treatment {treatment} cannot have {percent} % VAT")
    if treatment == "exempt":
        return Boxes("42", None)
    if treatment in ("zero", "reverse_charge"):
        if vat_code in CODE_NAMED_ZERO_BOXES:
            return Boxes(vat_code, None)
        return Boxes("39" if treatment == "reverse_charge" else "42", None)
    raise ValueError(f"VAT code {vat_code}: unknown treatment {treatment!r}")


def resolve_boxes(
    vat_code: str,
    treatment: str,
    percent: Decimal | int,
    base_box: str | None = None,
    vat_box: str | None = None,
) -> Boxes:
    """The default boxes, with a mapping entry's `base_box` / `vat_box` taking precedence."""
    default = default_boxes(vat_code, treatment, percent)
    return Boxes(base_box or default.base, vat_box or default.vat)


def code_boxes(mapping: "Mapping") -> dict[str, Boxes]:
    """Visma VAT code → its boxes, from the mapping's `vat` entries and `reverse_charge`.

    Several tax rates may share a Visma code; they must then land in the same boxes (Visma
    reports per code), else the mapping is wrong and this says which entries disagree."""
    out: dict[str, tuple[str, Boxes]] = {}

    def put(code: str, name: str, boxes: Boxes) -> None:
        if code in out and out[code][1] != boxes:
            other, seen = out[code]
            raise ValueError(
                f"{name} and {other} both use Visma VAT code {code} but land in different "
                f"boxes ({boxes.base}/{boxes.vat} vs {seen.base}/{seen.vat}); give them the "
                "same treatment and percent, or name base_box/vat_box"
            )
        out.setdefault(code, (name, boxes))

    for key, vat in mapping.vat.items():
        boxes = resolve_boxes(
            vat.vat_code, vat.vat_treatment, vat.percent, vat.base_box, vat.vat_box
        )
        put(vat.vat_code, f"vat.{key}", boxes)
    code = mapping.reverse_charge.vat_code
    named = next((v for v in mapping.vat.values() if v.vat_code == code), None)
    boxes = resolve_boxes(code, "reverse_charge", 0, named.base_box if named else None, None)
    put(code, "reverse_charge", boxes)
    return {code: boxes for code, (_, boxes) in out.items()}


def line_boxes(
    table: dict[str, Boxes], vat_code: str | None, treatment: str | None, percent: Decimal | None
) -> Boxes:
    """The boxes of an invoice line: its Visma code's (from `code_boxes`), else the default
    by its own treatment and percent (a code the current mapping no longer names)."""
    if vat_code is None:
        raise ValueError("an invoice line of a ready document has no VAT code")
    if vat_code in table:
        return table[vat_code]
    return default_boxes(vat_code, treatment or "standard", percent or Decimal(0))


def declared_kronor(amount: Decimal | int | None) -> int | None:
    """The figure declared for a box: whole kronor, öre dropped (toward zero)."""
    if amount is None:
        return None
    if isinstance(amount, float):
        raise TypeError(f"money must not be a float: {amount!r}")
    return int(Decimal(amount).to_integral_value(rounding=ROUND_DOWN))
