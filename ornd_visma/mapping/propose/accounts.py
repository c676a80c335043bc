"""The `accounts` section: the receivable, rounding and deferred-revenue accounts, the first
BAS account of each that is active in Visma. One Visma lacks is left out (the model's
default applies, and doctor reports it)."""

from ornd_visma.mapping.model import Accounts
from ornd_visma.mapping.propose.catalogue import VismaCatalogue
from ornd_visma.mapping.propose.choices import Unmatched

BOOKKEEPING_ACCOUNTS: dict[str, tuple[tuple[int, str], ...]] = {
    "receivable": ((1510, "BAS accounts receivable"), (1511, "BAS accounts receivable")),
    "rounding": ((3740, "BAS öresavrundning, the rounding of invoice totals"),),
    "deferred_revenue": (
        (2970, "BAS prepaid income, for revenue invoiced before its month"),
        (2972, "BAS prepaid membership fees, for revenue invoiced before its month"),
    ),
}


def propose_accounts(visma: VismaCatalogue) -> tuple[list[tuple[str, int, str]], list[Unmatched]]:
    """([(key, account, why)], what Visma lacks)."""
    chosen, unmatched = [], []
    for key, candidates in BOOKKEEPING_ACCOUNTS.items():
        found = next(
            ((n, why) for n, why in candidates if visma.active_account(n) is not None), None
        )
        if found is None:
            listed = "/".join(str(n) for n, _ in candidates)
            unmatched.append(
                Unmatched(
                    f"accounts.{key}",
                    f"{listed} is not an active account in Visma (left out: the default "
                    f"{getattr(Accounts(), key)} applies and doctor reports it)",
                )
            )
            continue
        number, why = found
        chosen.append((key, number, f'{number} "{visma.accounts[number].get("Name")}": {why}'))
    return chosen, unmatched
