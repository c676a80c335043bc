"""OfficeRnD tax rates → Visma VAT codes, and the `reverse_charge` section.

The treatment comes from OfficeRnD's `type` (`exempt`, `zero`, `reverse_charge`), else from
the words of the rate's name and code (`momsfri`, `omvänd`, ...), else from the percent
(above 0 standard, 0 zero). A standard rate takes the Visma VAT code of the same rate on an
active output VAT account, preferring BAS 26x1 (2611 for 25 %, 2621, 2631), then 26x0 and
26x3; input VAT codes (`ingående`) never. A 0 % rate takes the 0 % code whose description
says so (`ZERO_RATE_CODES`), the momsdeklaration box number first (42 exempt, 39 services
to another EU country).
"""

import re
from decimal import Decimal

from ornd_visma.mapping.model import ReverseCharge, VatMap
from ornd_visma.mapping.propose.catalogue import VismaCatalogue, rate_percent
from ornd_visma.mapping.propose.choices import Choice, Unmatched, percent_text
from ornd_visma.mapping.propose.names import normalize

OUTPUT_VAT_BASE = {Decimal(25): 2610, Decimal(12): 2620, Decimal(6): 2630}
INPUT_VAT_WORDS = r"ingaende|input|inkop|purchase"
OUTPUT_VAT_WORDS = r"utgaende|output|forsaljning|sales"
# treatment -> (words the description has, words it has not, the usual box number)
ZERO_RATE_CODES: dict[str, tuple[str, str, str | None]] = {
    "exempt": (r"momsfri|undantag|exempt", r"\beu\b|export|utanfor|outside|omvand|reverse", "42"),
    "zero": (
        r"ingen moms|\bzero\b|no vat|\b0\b",
        r"\beu\b|export|utanfor|outside|omvand|reverse|momsfri|undantag|exempt",
        None,
    ),
    "reverse_charge": (r"omvand|reverse", r"utanfor|outside|varor|goods", "39"),
}
TREATMENT_WORDS = (("reverse_charge", r"omvand|reverse"), ("exempt", r"momsfri|undantag|exempt"))
REVERSE_CHARGE_ACCOUNTS = (3308,)  # BAS Försäljning tjänster till annat EU-land


def tax_key(tax: dict) -> str:
    """The mapping names a tax rate by its code, else its id."""
    return tax.get("code") or tax["_id"]


def tax_label(tax: dict) -> str:
    name, key = tax.get("name"), tax_key(tax)
    return f"{key} ({name})" if name and name != key else key


def tax_percent(tax: dict) -> Decimal | None:
    """OfficeRnD's `rate`, else the sum of its components' rates (how OfficeRnD computes it)."""
    if tax.get("rate") is not None:
        return Decimal(str(tax["rate"]))
    components = tax.get("components") or []
    if components and all(c.get("rate") is not None for c in components):
        return sum((Decimal(str(c["rate"])) for c in components), Decimal(0))
    return None


def tax_treatment(tax: dict, percent: Decimal) -> str:
    kind = tax.get("type")
    if kind in ("zero", "exempt", "reverse_charge"):
        return kind
    text = normalize(f"{tax.get('code')} {tax.get('name')}")
    for treatment, words in TREATMENT_WORDS:
        if re.search(words, text):
            return treatment
    return "standard" if percent > 0 else "zero"


def match_tax_rate(tax: dict, visma: VismaCatalogue) -> Choice | Unmatched:
    """The `vat` entry of one OfficeRnD tax rate, or why there is none."""
    label = f"tax rate {tax_label(tax)}"
    percent = tax_percent(tax)
    if percent is None:
        return Unmatched(label, "OfficeRnD gives it no rate")
    treatment = tax_treatment(tax, percent)
    if treatment != "standard" and percent > 0:
        return Unmatched(
            label, f"OfficeRnD calls it {treatment} but its rate is {percent_text(percent)} %"
        )
    if treatment == "standard":
        return _standard(tax, percent, visma)
    include, exclude, box = ZERO_RATE_CODES[treatment]
    codes = [
        c
        for c in visma.vat_codes
        if rate_percent(c.get("VatRate")) == 0
        and re.search(include, normalize(c.get("Description")))
        and not re.search(exclude, normalize(c.get("Description")))
    ]
    if not codes:
        said = treatment.replace("_", " ")
        return Unmatched(label, f"Visma has no 0 % VAT code whose description says {said}")
    code = min(codes, key=lambda c: (c.get("Code") != box, str(c.get("Code"))))
    return Choice(
        tax_key(tax),
        VatMap(vat_code=str(code["Code"]), percent=percent, treatment=treatment),
        f'"{code["Code"]}": Visma VAT code "{code.get("Description")}"; OfficeRnD tax rate '
        f"{tax_label(tax)} is {treatment.replace('_', ' ')}",
    )


def _standard(tax: dict, percent: Decimal, visma: VismaCatalogue) -> Choice | Unmatched:
    base = OUTPUT_VAT_BASE.get(percent)
    preferred = (base + 1, base, base + 3) if base else ()
    candidates = []
    for code in visma.vat_codes:
        description = normalize(code.get("Description"))
        if rate_percent(code.get("VatRate")) != percent or re.search(INPUT_VAT_WORDS, description):
            continue
        related = (code.get("RelatedAccounts") or {}).get("AccountNumber1")
        if related is None and base and re.search(OUTPUT_VAT_WORDS, description):
            related = base + 1  # an output VAT code that names no account: the BAS one
        if related is None or visma.active_account(int(related)) is None:
            continue
        account = int(related)
        rank = preferred.index(account) if account in preferred else len(preferred)
        candidates.append((rank, str(code.get("Code")), code, account))
    shown = percent_text(percent)
    if not candidates:
        return Unmatched(
            f"tax rate {tax_label(tax)}",
            f"Visma has no {shown} % VAT code on an active output VAT account",
        )
    _, _, code, account = min(candidates, key=lambda c: (c[0], c[1]))
    return Choice(
        tax_key(tax),
        VatMap(vat_code=str(code["Code"]), percent=percent, vat_account=account),
        f'"{code["Code"]}": Visma VAT code "{code.get("Description")}", {shown} % on {account} '
        f'"{visma.accounts[account].get("Name")}"; OfficeRnD tax rate {tax_label(tax)} is '
        f"{shown} %",
    )


def propose_reverse_charge(
    vat: list[Choice], visma: VismaCatalogue
) -> tuple[Choice | None, list[Unmatched]]:
    """`reverse_charge` when OfficeRnD has a reverse-charge rate: its VAT code, on 3308;
    none (the model's default, unused) without one."""
    codes = [c.value.vat_code for c in vat if c.value.vat_treatment == "reverse_charge"]
    if not codes:
        return None, []
    for number in REVERSE_CHARGE_ACCOUNTS:
        account = visma.active_account(number)
        if account is not None:
            why = (
                f'{number} "{account.get("Name")}": BAS sales of services to another EU country; '
                f"VAT code {codes[0]} as OfficeRnD's reverse-charge rate"
            )
            choice = Choice("reverse_charge", ReverseCharge(vat_code=codes[0], account=number), why)
            return choice, []
    listed = "/".join(map(str, REVERSE_CHARGE_ACCOUNTS))
    return None, [
        Unmatched(
            "reverse_charge.account",
            f"BAS {listed} (sales of services to another EU country) is not an active account "
            "in Visma (left out: the default 3308 applies and doctor reports it)",
        )
    ]
