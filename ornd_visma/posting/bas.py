"""The BAS chart of accounts, as far as the product needs it without asking Visma: the names
of the accounts it posts by default (the mapping's defaults and the sandbox operator's
accounts), and the SIE account type of a BAS account number.

The SIE export names each account it uses (`#KONTO`). Visma's chart decides when Visma can
be asked; these names are the fallback, and the mapping's `account_names` adds or overrides
any (ornd_visma.posting.sie_company).
"""

BAS_NAMES: dict[int, str] = {
    1510: "Kundfordringar",
    1511: "Kundfordringar",
    1790: "Övriga förutbetalda kostnader och upplupna intäkter",
    2420: "Förskott från kunder",
    2611: "Utgående moms på försäljning inom Sverige, 25 %",
    2613: "Utgående moms för uthyrning, 25 %",
    2621: "Utgående moms på försäljning inom Sverige, 12 %",
    2631: "Utgående moms på försäljning inom Sverige, 6 %",
    2970: "Förutbetalda intäkter",
    2971: "Förutbetalda hyresintäkter",
    2972: "Förutbetalda medlemsavgifter",
    2979: "Övriga förutbetalda intäkter",
    3001: "Försäljning inom Sverige, 25 % moms",
    3002: "Försäljning inom Sverige, 12 % moms",
    3003: "Försäljning inom Sverige, 6 % moms",
    3004: "Försäljning inom Sverige, momsfri",
    3041: "Försäljning tjänster inom Sverige, 25 % moms",
    3042: "Försäljning tjänster inom Sverige, 12 % moms",
    3043: "Försäljning tjänster inom Sverige, 6 % moms",
    3044: "Försäljning tjänster inom Sverige, momsfri",
    3305: "Försäljning tjänster till land utanför EU",
    3308: "Försäljning tjänster till annat EU-land",
    3590: "Övriga fakturerade kostnader",
    3740: "Öres- och kronutjämning",
    3910: "Hyres- och arrendeintäkter",
    3911: "Hyresintäkter",
    3913: "Frivilligt momspliktiga hyresintäkter",
    3914: "Övriga momspliktiga hyresintäkter",
}

# SIE `#KTYP`: T tillgång (asset), S skuld (liability or equity), I intäkt (revenue),
# K kostnad (cost), by the BAS class (the first digit). Class 8 (financial items,
# appropriations, tax) holds both revenue and cost accounts, so it gets none.
_TYPE_BY_CLASS = {"1": "T", "2": "S", "3": "I", "4": "K", "5": "K", "6": "K", "7": "K"}


def account_type(number: int) -> str | None:
    """The SIE account type of a four-digit BAS account, or None when BAS does not say."""
    text = str(number)
    return _TYPE_BY_CLASS.get(text[0]) if len(text) == 4 else None
