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

In ledger mode every location numbers its documents in Visma in its own ranges, one per series
(`invoice_numbers`; the rule and its default are in `mapping/numbering.py`).
"""

import re
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
    accrued_income: int = 1790  # Övriga förutbetalda kostnader och upplupna intäkter


class Entity(_Strict):
    """A Visma company; its connection comes from `<env_prefix>_API_URL`, `_CLIENT_ID`, ...

    `company_name`, `org_nr` and `fiscal_year_start_month` are for `ornd-visma export-sie`
    when Visma cannot be asked (an operator who books by hand): Visma's company settings and
    fiscal years decide when it can.
    """

    env_prefix: str = Field("VISMA", pattern=r"^[A-Z][A-Z0-9_]*$")
    company_name: str | None = Field(None, min_length=1, max_length=200)
    org_nr: str | None = Field(None, pattern=r"^(\d{2})?\d{6}-?\d{4}$")  # 556677-8899
    fiscal_year_start_month: int = Field(1, ge=1, le=12)  # 1: calendar years


# -- invoice numbers (ledger mode) ------------------------------------------------------------

INT32_MAX = 2_147_483_647  # Visma's InvoiceNumber is an int32
DEFAULT_SEQUENCE_PATTERN = r"\d+"  # the first run of digits


class InvoiceNumbers(_Strict):
    """The first number of each series of a location in Visma; a range runs up to the next
    range's start in the same Visma company (see `mapping/numbering.py`). All three are given,
    so that pinning a location pins every number it can produce."""

    invoice: int = Field(ge=1, le=INT32_MAX)
    credit_note: int = Field(ge=1, le=INT32_MAX)
    reversal: int = Field(ge=1, le=INT32_MAX)  # our correction credits (payloads.reversal)


class Numbering(_Strict):
    """How OfficeRnD's document number gives its sequence number: the first match of
    `sequence_pattern` (its first group when it has one). The default, the first run of digits,
    reads OfficeRnD's default templates `{{number}}-{{locationCode}}` (`000101-STH` -> 101) and
    `CN{{number}}-...` (`CN00001-STH` -> 1); a template that starts with `{{year}}` needs e.g.
    `'^\\d+-(\\d+)'`."""

    sequence_pattern: str = DEFAULT_SEQUENCE_PATTERN

    @field_validator("sequence_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return pattern


class LocationMap(_Strict):
    entity: str = DEFAULT_ENTITY
    cost_center_item: str | None = Field(None, max_length=9)  # Visma ShortName, dimension 1
    invoice_numbers: InvoiceNumbers | None = None  # None: the default (mapping/numbering.py)


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
    # Post accrued income (upplupna intäkter, K3): revenue served in a month and invoiced
    # later is booked in its month of service. K2 operators may book it when invoiced: false.
    accrue_income: bool = True
    accounts: Accounts = Accounts()
    entities: dict[str, Entity] = Field(default_factory=lambda: {DEFAULT_ENTITY: Entity()})
    locations: dict[str, LocationMap] = Field(default_factory=dict)
    floors: dict[str, FloorMap] = Field(default_factory=dict)
    revenue: list[RevenueRule] = Field(default_factory=list)
    vat: dict[str, VatMap] = Field(default_factory=dict)
    reverse_charge: ReverseCharge = ReverseCharge()
    # Names of accounts for the SIE export when Visma cannot name them (account -> name).
    account_names: dict[int, str] = Field(default_factory=dict)
    numbering: Numbering = Numbering()

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
