"""OfficeRnD revenue accounts → revenue rules (BAS account, revenue class, recognition, and an
article when Visma has one like it).

* **Class.** OfficeRnD's preset (`defaultFor`), else words of the code and name, then of the
  description (`CLASS_WORDS`), else what the account is used for (only refundable fees:
  deposit; only booking fees: booking fee, or event space when its rates are event spaces;
  plans all private offices or all desks), else a class named after the code.
* **Account.** By class and rate (`CLASS_ACCOUNTS`, after the reference's §3.5 suggestion),
  else the BAS sales account of the rate (`BAS_SALES`). Choices where the reference leaves
  room: a private office exempt → 3911 Hyresintäkter (3004 next), at 25 % → 3913 (frivillig
  skattskyldighet); meeting-room bookings and event space at 25 % → 3001 (a conference
  service), exempt → 3911 (bare room hire); parking at 25 % → 3590 (side income; 3001 next);
  deposits → 2420 Förskott från kunder (a liability), whatever the rate. Only an account that
  exists and is active in Visma, preferring one whose VAT code in Visma is the rate's
  (Visma's VAT report follows the account's code; doctor warns otherwise).
* **Rules.** One per revenue account without a tax rate, for the account's own rate (the rate
  OfficeRnD applies to everything on it): reverse-charge lines match it too, and the books
  book them on `reverse_charge.account`. Each other domestic rate invoices combine with the
  account gets a rule naming `tax_rate`. Nothing matched, nothing written: the lines are
  held and doctor names them.
* **Article** (used only in `posting_mode: invoices`): an active Visma article whose number
  is the code or whose name is like the account's, and whose coding books the rule's VAT
  treatment on the rule's account.
"""

import re
from collections import Counter

from ornd_visma.mapping.doctor import CODING_SLOTS, OfficeRnDData, used_combinations
from ornd_visma.mapping.model import RevenueRule, VatMap
from ornd_visma.mapping.propose.catalogue import VismaCatalogue
from ornd_visma.mapping.propose.choices import Choice, Unmatched, percent_text
from ornd_visma.mapping.propose.names import MATCH_THRESHOLD, normalize, similarity

CLASS_WORDS: tuple[tuple[str, str], ...] = (  # first match wins
    ("deposit", r"\bdeposit|\bdeposition|\bsakerhet"),
    ("virtual_office", r"\bvirtu|\bpostadress"),
    ("day_pass", r"\bday ?pass|\bdaypass|\bdagkort|\bdagspass|\bdrop ?in\b"),
    ("event_space", r"\bevent ?space|\beventlokal|\beventhall|\bvenue\b"),
    ("event_ticket", r"\bticket|\bbiljett"),
    ("parking", r"\bparking|\bparkering|\bgarage"),
    ("printing", r"\bprint|\butskrift|\bkopiering"),
    ("catering", r"\bcatering|\bcafe|\bfika|\bfood|\bkitchen|\blunch|\brestaura"),
    ("private_office", r"\boffice|\bkontor|\brent\b|\bhyr"),
    ("booking_fee", r"\bbooking|\bbokning|\bmeeting|\bmote|\bkonferens|\bconference"),
    ("membership", r"\bmember|\bmedlem|\bdesk|\bcoworking|\bskrivbord"),
    ("one_off_fee", r"\bone ?off|\boneoff|\bengang"),
    ("order_fee", r"\border"),
)
DEFAULT_FOR_CLASSES = {
    "membershipFees": "membership",
    "bookingFees": "booking_fee",
    "deposits": "deposit",
    "oneOffFees": "one_off_fee",
    "orderFees": "order_fee",
}
# Recognised on the day of use, not spread over a service period.
POINT_CLASSES = frozenset(
    [
        "day_pass",
        "booking_fee",
        "event_space",
        "event_ticket",
        "catering",
        "printing",
        "one_off_fee",
        "order_fee",
        "deposit",
    ]
)
# (class, rate) -> (BAS accounts in order of preference, why); rate is the percent of a
# standard rate ("25") or the treatment ("exempt", "zero"); "*" is any rate.
CLASS_ACCOUNTS: dict[tuple[str, str], tuple[tuple[int, ...], str]] = {
    ("deposit", "*"): ((2420,), "BAS advances from customers: a refundable deposit is a liability"),
    ("private_office", "exempt"): ((3911, 3004), "BAS rent: letting a lockable office is exempt"),
    ("private_office", "zero"): ((3911, 3004), "BAS rent: letting a lockable office"),
    ("private_office", "25"): ((3913, 3001), "BAS rent under frivillig skattskyldighet"),
    ("booking_fee", "exempt"): ((3911, 3004), "BAS rent: bare room hire is exempt letting"),
    ("event_space", "exempt"): ((3911, 3004), "BAS rent: bare room hire is exempt letting"),
    ("parking", "25"): ((3590, 3001), "BAS side income, for parking at 25 %"),
}
BAS_SALES: dict[str, tuple[tuple[int, ...], str]] = {
    "25": ((3001,), "BAS sales in Sweden at 25 % VAT"),
    "12": ((3002,), "BAS sales in Sweden at 12 % VAT"),
    "6": ((3003,), "BAS sales in Sweden at 6 % VAT"),
    "exempt": ((3004,), "BAS sales in Sweden exempt from VAT"),
    "zero": ((3004,), "BAS sales in Sweden without VAT"),
}


def classify(
    account: dict, plans: list[dict], fee_kinds: set[str], rate_types: set[str]
) -> tuple[str, str]:
    """(revenue class, why) of one OfficeRnD revenue account."""
    preset = DEFAULT_FOR_CLASSES.get(account.get("defaultFor") or "")
    if preset:
        return preset, f"OfficeRnD's preset for {account['defaultFor']}"
    for text, said in (
        (f"{account.get('code')} {account.get('name')}", "its name"),
        (account.get("description"), "its description"),
    ):
        for revenue_class, words in CLASS_WORDS:
            if re.search(words, normalize(text)):
                return revenue_class, f"{said} says {revenue_class.replace('_', ' ')}"
    if fee_kinds == {"deposit"}:
        return "deposit", "it has only refundable fees"
    if fee_kinds == {"booking"}:
        if rate_types == {"event_space"}:
            return "event_space", "it has only event-space bookings"
        return "booking_fee", "it has only booking fees"
    plan_types = {p.get("type") for p in plans}
    if plan_types == {"office"}:
        return "private_office", "its plans are all private offices"
    if plan_types and plan_types <= {"hotdesk", "desk"}:
        return "membership", "its plans are all desks"
    slug = re.sub(r"[^a-z0-9]+", "_", normalize(account.get("code") or account.get("name")))
    slug = slug.strip("_") or "revenue"
    slug = slug if slug[0].isalpha() else f"revenue_{slug}"
    return slug, "nothing says what it sells, so the class is named after its code"


def pick_account(
    revenue_class: str, vat: VatMap | None, visma: VismaCatalogue
) -> tuple[int, str] | str:
    """(account, why) for a class at a VAT rate (None: any, for deposits); else why none."""
    treatment = vat.vat_treatment if vat else "zero"
    rate = percent_text(vat.percent) if vat and treatment == "standard" else treatment
    found = (
        CLASS_ACCOUNTS.get((revenue_class, rate))
        or CLASS_ACCOUNTS.get((revenue_class, "*"))
        or BAS_SALES.get(rate)
    )
    if found is None:
        return f"there is no BAS sales account for {rate} % VAT"
    candidates, why = found
    usable = [n for n in candidates if visma.active_account(n) is not None]
    if not usable:
        return f"BAS {'/'.join(map(str, candidates))} ({why}) is not an active account in Visma"
    revenue = revenue_class != "deposit"
    code = vat.vat_code if vat else None
    agreeing = [n for n in usable if not revenue or visma.account_vat_code(n) == code]
    number = (agreeing or usable)[0]
    text = f'{number} "{visma.accounts[number].get("Name")}": {why}'
    skipped = candidates[: candidates.index(number)]
    if skipped:
        text += f" ({'/'.join(map(str, skipped))} is not active in Visma or has another VAT code)"
    if revenue and not agreeing:
        text += (
            f"; its VAT code in Visma is {visma.account_vat_code(number) or '(none)'}, not "
            f"{code}: doctor warns"
        )
    return number, text


def pick_article(
    account: dict, number: int, treatment: str, visma: VismaCatalogue
) -> tuple[str, str] | None:
    """(article number, why) of the one active article like the revenue account whose coding
    books `treatment` on `number`; None when there is none, or two equally like it."""
    slot = CODING_SLOTS[treatment]
    found = []
    for article in visma.articles:
        if not article.get("IsActive", True) or not article.get("Number"):
            continue
        coding = visma.codings.get(article.get("CodingId")) or {}
        if coding.get(slot) is None or int(coding[slot]) != number:
            continue
        same = str(article["Number"]).casefold() == str(account.get("code") or "").casefold()
        score = 1.0 if same else similarity(article.get("Name"), account.get("name"))
        if score >= MATCH_THRESHOLD:
            found.append((-score, str(article["Number"]), article, coding))
    found.sort(key=lambda f: (f[0], f[1]))
    if not found or (len(found) > 1 and found[0][0] == found[1][0]):
        return None
    _, article_number, article, coding = found[0]
    return article_number, (
        f'article {article_number} "{article.get("Name")}" is named like it and its coding '
        f'"{coding.get("Name")}" books it on {number}'
    )


def _uses(data: OfficeRnDData, names: dict[str, dict], taxes: dict[str, dict]):
    """(tax rates by revenue account code with line counts, fee kinds by code, what the
    invoices name that OfficeRnD's lists lack)."""
    uses: dict[str, Counter] = {}
    kinds: dict[str, set[str]] = {}
    unknown: Counter = Counter()
    for (account, _plan, _type, kind, tax), count in used_combinations(data).items():
        if account not in names:
            unknown[("revenue account", account)] += count
            continue
        code = names[account].get("code") or names[account]["_id"]
        uses.setdefault(code, Counter())[tax] += count
        kinds.setdefault(code, set()).add(kind)
        if tax not in taxes:
            unknown[("tax rate", tax)] += count
    problems = [
        Unmatched(
            f"{what} {name}",
            f"{count} invoice lines use it, but it is not among OfficeRnD's {what}s",
        )
        if name != "(none)"
        else Unmatched(
            f"invoice lines without a {what}",
            f"{count} lines: the books hold them; give them a {what} in OfficeRnD",
        )
        for (what, name), count in sorted(unknown.items())
    ]
    return uses, kinds, problems


def propose_revenue(
    data: OfficeRnDData, visma: VismaCatalogue, vat: list[Choice]
) -> tuple[list[Choice], list[Unmatched]]:
    """The revenue rules of every OfficeRnD revenue account, and what cannot be matched."""
    taxes = {t["_id"]: t for t in data["tax-rates"] if t.get("_id")}
    tax_names = {n: t for t in taxes.values() for n in (t.get("code"), t["_id"]) if n}
    vat_by_key = {c.key: c.value for c in vat}
    accounts = sorted(
        (a for a in data["revenue-accounts"] if a.get("_id")),
        key=lambda a: a.get("code") or a["_id"],
    )
    names = {n: a for a in accounts for n in (a.get("code"), a["_id"]) if n}
    uses, kinds, unmatched = _uses(data, names, tax_names)
    out: list[Choice] = []
    for account in accounts:
        code = account.get("code") or account["_id"]
        ids = {n for n in (account["_id"], account.get("code")) if n}
        revenue_class, class_why = classify(
            account,
            [p for p in data["plans"] if p.get("revenueAccount") in ids],
            kinds.get(code, set()),
            {r.get("type") for r in data["resource-rates"] if r.get("revenueAccount") in ids},
        )
        own = taxes.get(account.get("taxRate"))
        choices, problems = account_rules(
            account,
            revenue_class,
            class_why,
            (own.get("code") or own["_id"]) if own else None,
            [t for t in uses.get(code, {}) if t in tax_names],
            vat_by_key,
            visma,
        )
        out += choices
        unmatched += problems
    return out, unmatched


def account_rules(
    account: dict,
    revenue_class: str,
    class_why: str,
    own_tax: str | None,
    used_taxes: list[str],
    vat: dict[str, VatMap],
    visma: VismaCatalogue,
) -> tuple[list[Choice], list[Unmatched]]:
    """The rules of one revenue account: for its own tax rate (no `tax_rate`: reverse-charge
    lines match it too), and one naming each other domestic rate its lines use."""
    code = account.get("code") or account["_id"]
    label = f"revenue account {code}" + (f" ({account['name']})" if account.get("name") else "")
    about = f"{code} is class {revenue_class} ({class_why})"
    if revenue_class == "deposit":
        got = pick_account(revenue_class, None, visma)
        if isinstance(got, str):
            return [], [Unmatched(label, got)]
        return [_rule(account, None, got, revenue_class, about, "zero", visma)], []

    def reverse(key: str) -> bool:
        return key in vat and vat[key].vat_treatment == "reverse_charge"

    domestic = [t for t in used_taxes if not reverse(t)]
    charged = sorted(t for t in used_taxes if reverse(t))
    base = own_tax if own_tax is not None and not reverse(own_tax) else None
    if base is None and len(domestic) == 1:
        base = domestic[0]
    if base is None and not domestic:
        reason = "it has no domestic tax rate in OfficeRnD and no invoice line shows one"
        if charged:
            reason += f" (only reverse charge, {', '.join(charged)})"
        return [], [Unmatched(label, reason)]
    out, unmatched = [], []
    for key in ([base] if base else []) + sorted(t for t in domestic if t != base):
        where = label if key == base else f"{label} × tax rate {key}"
        entry = vat.get(key)
        if entry is None:
            unmatched.append(Unmatched(where, f"its tax rate {key} is not matched (see there)"))
            continue
        got = pick_account(revenue_class, entry, visma)
        if isinstance(got, str):
            unmatched.append(Unmatched(where, got))
            continue
        rate = (
            f"{percent_text(entry.percent)} %"
            if entry.vat_treatment == "standard"
            else entry.vat_treatment.replace("_", " ")
        )
        why = f"{about}; its tax rate {key} is {rate}"
        if key == base and charged:
            why += (
                f"; its reverse-charge lines ({', '.join(charged)}) match this rule and are "
                "booked on reverse_charge.account"
            )
        tax = None if key == base else key
        out.append(_rule(account, tax, got, revenue_class, why, entry.vat_treatment, visma))
    if base is None and charged:
        unmatched.append(
            Unmatched(
                f"{label} × tax rate {', '.join(charged)}",
                "it has several domestic tax rates and no own one, so no rule covers its "
                "reverse-charge lines",
            )
        )
    return out, unmatched


def _rule(
    account: dict,
    tax: str | None,
    got: tuple[int, str],
    revenue_class: str,
    why: str,
    treatment: str,
    visma: VismaCatalogue,
) -> Choice:
    number, account_why = got
    article = pick_article(account, number, treatment, visma)
    rule = RevenueRule(
        revenue_account=account.get("code") or account["_id"],
        tax_rate=tax,
        account=number,
        article=article[0] if article else None,
        revenue_class=revenue_class,
        recognition="point" if revenue_class in POINT_CLASSES else None,
    )
    text = f"{account_why}; {why}" + (f"; {article[1]}" if article else "")
    return Choice(rule.revenue_account or "", rule, text)
