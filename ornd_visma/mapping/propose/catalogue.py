"""One Visma company's catalogue as `ornd-visma init` reads it: what a mapping can name."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ornd_visma.mapping.doctor import VismaLister


def rate_percent(value: Any) -> Decimal:
    """A Visma VAT rate as a percent: eAccounting answers fractions (0.25); percent is
    accepted as well (a rate above 1)."""
    rate = Decimal(str(value or 0))
    return rate * 100 if rate <= 1 else rate


@dataclass(frozen=True)
class VismaCatalogue:
    accounts: dict[int, dict] = field(default_factory=dict)  # by number
    vat_codes: list[dict] = field(default_factory=list)
    cost_centers: dict[int, dict] = field(default_factory=dict)  # by Number, with Items
    articles: list[dict] = field(default_factory=list)
    codings: dict[str, dict] = field(default_factory=dict)  # article account codings by Id
    settings: dict | None = None  # companysettings, when the client can get it

    @classmethod
    def read(cls, visma: VismaLister) -> "VismaCatalogue":
        """Everything from one company (`GET /accounts` is the current fiscal year's)."""
        getter = getattr(visma, "get", None)
        return cls(
            accounts={int(a["Number"]): a for a in visma.list_all("accounts")},
            vat_codes=visma.list_all("vatcodes"),
            cost_centers={int(c.get("Number") or 0): c for c in visma.list_all("costcenters")},
            articles=visma.list_all("articles"),
            codings={c.get("Id"): c for c in visma.list_all("articleaccountcodings")},
            settings=getter("companysettings") if callable(getter) else None,
        )

    def active_account(self, number: int) -> dict | None:
        account = self.accounts.get(number)
        return account if account is not None and account.get("IsActive", True) else None

    def account_vat_code(self, number: int) -> str | None:
        """The code of the VAT code Visma's chart gives the account (its VAT report uses it)."""
        ident = (self.accounts.get(number) or {}).get("VatCodeId")
        if ident is None:
            return None
        return next((c.get("Code") for c in self.vat_codes if c.get("Id") == ident), None)

    def dimension_state(self, number: int) -> str | None:
        """None when cost-center dimension `number` is there and active, else what it is."""
        center = self.cost_centers.get(number)
        if center is None:
            return "missing"
        return None if center.get("IsActive", True) else "inactive"

    def active_items(self, number: int) -> list[dict]:
        center = self.cost_centers.get(number) or {}
        return [i for i in center.get("Items") or [] if i.get("IsActive", True)]

    def item_names(self, number: int) -> set[str]:
        """Every ShortName of the dimension, active or not (a new one must differ)."""
        center = self.cost_centers.get(number) or {}
        return {i.get("ShortName") for i in center.get("Items") or [] if i.get("ShortName")}
