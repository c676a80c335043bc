"""The mapping file: how one operator's OfficeRnD setup lands in Visma (docs/contracts.md).

Everything OfficeRnD is named by its `code` (location `STH`, revenue account `MEMBERSHIP`, tax
rate `SE25`, plan `HOTDESK`); an OfficeRnD `_id` is accepted wherever a code is.

Revenue rules are matched by specificity: a rule names one or more of `revenue_account`,
`plan`, `plan_type`, `fee_kind` and `tax_rate`; of the rules whose every named key equals the
line's, the one naming the most keys wins, and among equals the first in the file. A line no
rule matches is unmapped and holds its document: nothing falls into a default account.

`fee_kind` says where a line comes from: `membership` (a recurring membership or contract),
`one_off` (a one-off fee on a plan), `booking` (a booking fee: a fee on a resource rate),
`deposit` (a refundable fee). `plan_type` is the OfficeRnD plan's `type` (`hotdesk`, `desk`,
`office`, `service`, ...).
"""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ornd_visma.vat.boxes import BaseBox, VatBox

PostingMode = Literal["ledger", "invoices"]
OnChange = Literal["correct", "hold"]
Rounding = Literal["whole_krona", "none"]
VatTreatment = Literal["standard", "zero", "exempt", "reverse_charge"]
Recognition = Literal["period", "point"]
FeeKind = Literal["membership", "one_off", "booking", "deposit"]
MATCH_KEYS = ("revenue_account", "plan", "plan_type", "fee_kind", "tax_rate")
DEFAULT_ENTITY = "main"


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Accounts(_Strict):
    receivable: int = 1510
    rounding: int = 3740
    deferred_revenue: int = 2970


class Entity(_Strict):
    """A Visma company; its connection comes from `<env_prefix>_API_URL`, `_CLIENT_ID`, ..."""

    env_prefix: str = Field("VISMA", pattern=r"^[A-Z][A-Z0-9_]*$")


class LocationMap(_Strict):
    entity: str = DEFAULT_ENTITY
    cost_center_item: str | None = Field(None, max_length=9)  # Visma ShortName, dimension 1


class FloorMap(_Strict):
    cost_center_item: str = Field(max_length=9)  # Visma ShortName, dimension 2


class VatMap(_Strict):
    vat_code: str
    percent: Decimal = Field(ge=0, le=100)
    vat_account: int | None = None
    treatment: VatTreatment | None = None  # default: standard above 0 %, zero at 0 %
    # momsdeklaration boxes of this entry's Visma code, when not the default
    # (ornd_visma/vat/boxes.py): e.g. base_box "08" for rent under frivillig skattskyldighet
    base_box: BaseBox | None = None
    vat_box: VatBox | None = None

    @model_validator(mode="after")
    def _account_when_taxed(self) -> "VatMap":
        if self.percent > 0 and self.vat_account is None:
            raise ValueError(f"a {self.percent} % VAT rate needs a vat_account")
        if self.percent > 0 and self.treatment not in (None, "standard"):
            raise ValueError(f"treatment {self.treatment} cannot have {self.percent} % VAT")
        if self.percent == 0 and self.vat_box is not None:
            raise ValueError(f"vat_box {self.vat_box} on a 0 % rate: there is no VAT to declare")
        return self

    @property
    def vat_treatment(self) -> VatTreatment:
        if self.treatment is not None:
            return self.treatment
        return "standard" if self.percent > 0 else "zero"


class ReverseCharge(_Strict):
    vat_code: str = "39"
    account: int = 3308


class RevenueRule(_Strict):
    revenue_account: str | None = None
    plan: str | None = None
    plan_type: str | None = None
    fee_kind: FeeKind | None = None
    tax_rate: str | None = None
    account: int
    article: str | None = Field(None, max_length=40)
    revenue_class: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    recognition: Recognition | None = None  # default: `point` for fees, `period` otherwise

    @model_validator(mode="after")
    def _matches_something(self) -> "RevenueRule":
        if not any(getattr(self, key) is not None for key in MATCH_KEYS):
            raise ValueError(f"a revenue rule must name at least one of {', '.join(MATCH_KEYS)}")
        return self

    @property
    def specificity(self) -> int:
        return sum(getattr(self, key) is not None for key in MATCH_KEYS)


class Mapping(_Strict):
    posting_mode: PostingMode = "ledger"
    on_change: OnChange = "correct"
    rounding: Rounding | None = None  # None: follow Visma's DomesticCurrencyRounding
    accounts: Accounts = Accounts()
    entities: dict[str, Entity] = Field(default_factory=lambda: {DEFAULT_ENTITY: Entity()})
    locations: dict[str, LocationMap] = Field(default_factory=dict)
    floors: dict[str, FloorMap] = Field(default_factory=dict)
    revenue: list[RevenueRule] = Field(default_factory=list)
    vat: dict[str, VatMap] = Field(default_factory=dict)
    reverse_charge: ReverseCharge = ReverseCharge()

    @field_validator("floors")
    @classmethod
    def _floor_keys(cls, floors: dict[str, FloorMap]) -> dict[str, FloorMap]:
        for key in floors:
            if "/" not in key:
                raise ValueError(f"floor key {key!r} must be '<location code>/<floor name>'")
        return floors

    @model_validator(mode="after")
    def _references(self) -> "Mapping":
        for code, location in self.locations.items():
            if location.entity not in self.entities:
                raise ValueError(
                    f"locations.{code}.entity: {location.entity!r} is not one of entities "
                    f"({', '.join(sorted(self.entities))})"
                )
        for key in self.floors:
            location = key.split("/", 1)[0]
            if location not in self.locations:
                raise ValueError(f"floors.{key}: location {location!r} is not in locations")
        if self.posting_mode == "invoices":
            missing = [str(i) for i, rule in enumerate(self.revenue) if rule.article is None]
            if missing:
                raise ValueError(
                    f"posting_mode invoices needs an article on every revenue rule; "
                    f"revenue {', '.join(missing)} have none"
                )
        return self

    def rounding_mode(self, visma_domestic_rounding: int | None = None) -> Rounding:
        """The rounding in force: the file's, else Visma's setting (1 = half away from zero),
        else whole kronor (Swedish practice, and Visma's default)."""
        if self.rounding is not None:
            return self.rounding
        if visma_domestic_rounding is not None:
            return "whole_krona" if visma_domestic_rounding == 1 else "none"
        return "whole_krona"

    def revenue_rule(self, names: dict[str, tuple[str | None, ...]]) -> RevenueRule | None:
        """The rule for a line whose match keys have `names` (code and id of each thing).

        `names` maps each of MATCH_KEYS to the names the line's value goes by; the most
        specific matching rule wins, the first among equals.
        """
        best: RevenueRule | None = None
        for rule in self.revenue:
            if all(
                getattr(rule, key) is None or getattr(rule, key) in names.get(key, ())
                for key in MATCH_KEYS
            ) and (best is None or rule.specificity > best.specificity):
                best = rule
        return best

    @staticmethod
    def find(table: dict, *names: str | None):
        """The entry of `table` keyed by any of `names` (a code or an id), else None."""
        for name in names:
            if name is not None and name in table:
                return table[name]
        return None
