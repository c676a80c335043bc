"""A proposed mapping for a new operator (`ornd-visma init`): pure functions from OfficeRnD's
records (`OfficeRnDData`, as doctor reads them) and one Visma company's catalogue to a
`Proposal`, each entry with the reason it was chosen, and what could not be matched with
why. What is not matched is left out of the mapping, so doctor flags it and the documents
using it are held: nothing is guessed into a default account.

Each part documents its rules and keeps its choices in tables at its top:
`vat` (tax rates → VAT codes, reverse charge), `revenue` (revenue accounts → classes, BAS
accounts, articles), `places` (locations and floors → cost-center items, by `names`),
`accounts` (receivable, rounding, deferred revenue). The file is written by
`ornd_visma.mapping.write`; the command is `ornd_visma.mapping.init_command`.

The proposal is always `posting_mode: ledger` (invoice mode needs an article per rule, which
a new Visma company rarely has) and leaves `rounding` out, so Visma's
`DomesticCurrencyRounding` decides.
"""

import re
from dataclasses import dataclass, field

from ornd_visma.mapping.doctor import OfficeRnDData
from ornd_visma.mapping.model import DEFAULT_ENTITY, Accounts, Entity, Mapping, ReverseCharge
from ornd_visma.mapping.propose.accounts import propose_accounts
from ornd_visma.mapping.propose.catalogue import VismaCatalogue
from ornd_visma.mapping.propose.choices import Choice, Unmatched
from ornd_visma.mapping.propose.places import propose_floors, propose_locations
from ornd_visma.mapping.propose.revenue import propose_revenue
from ornd_visma.mapping.propose.vat import match_tax_rate, propose_reverse_charge, tax_key

__all__ = ["Choice", "Proposal", "Unmatched", "VismaCatalogue", "env_prefix_for", "propose"]


@dataclass
class Proposal:
    entity: str
    env_prefix: str
    accounts: list[tuple[str, int, str]] = field(default_factory=list)  # (key, account, why)
    vat: list[Choice] = field(default_factory=list)
    reverse_charge: Choice | None = None
    locations: list[Choice] = field(default_factory=list)
    floors: list[Choice] = field(default_factory=list)
    revenue: list[Choice] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said in the file; nothing left out
    sources: str = ""

    def mapping(self) -> Mapping:
        """The proposal as the mapping model: what the written file loads as."""
        return Mapping(
            posting_mode="ledger",
            accounts=Accounts(**{key: number for key, number, _ in self.accounts}),
            entities={self.entity: Entity(env_prefix=self.env_prefix)},
            locations={c.key: c.value for c in self.locations},
            floors={c.key: c.value for c in self.floors},
            revenue=[c.value for c in self.revenue],
            vat={c.key: c.value for c in self.vat},
            reverse_charge=self.reverse_charge.value if self.reverse_charge else ReverseCharge(),
        )


def env_prefix_for(entity: str) -> str:
    """`VISMA` for the default entity, `VISMA_<NAME>` for another (docs/contracts.md)."""
    if entity == DEFAULT_ENTITY:
        return "VISMA"
    return "VISMA_" + re.sub(r"[^A-Z0-9]+", "_", entity.upper()).strip("_")


def propose(
    data: OfficeRnDData, visma: VismaCatalogue, entity: str = DEFAULT_ENTITY, sources: str = ""
) -> Proposal:
    """The proposed mapping of one operator's OfficeRnD data onto one Visma company."""
    proposal = Proposal(entity=entity, env_prefix=env_prefix_for(entity), sources=sources)
    proposal.accounts, unmatched = propose_accounts(visma)
    for tax in sorted((t for t in data["tax-rates"] if t.get("_id")), key=tax_key):
        found = match_tax_rate(tax, visma)
        if isinstance(found, Choice):
            proposal.vat.append(found)
        else:
            unmatched.append(found)
    proposal.reverse_charge, more = propose_reverse_charge(proposal.vat, visma)
    unmatched += more
    proposal.locations, more = propose_locations(data, visma, entity)
    unmatched += more
    proposal.floors, proposal.notes = propose_floors(data, visma, proposal.locations)
    proposal.revenue, more = propose_revenue(data, visma, proposal.vat)
    proposal.unmatched = unmatched + more
    rounding = (visma.settings or {}).get("DomesticCurrencyRounding")
    if rounding is not None:
        proposal.notes.append(
            f"`rounding` is left out, so Visma's DomesticCurrencyRounding ({rounding}: "
            + ("whole kronor" if int(rounding) == 1 else "none")
            + ") decides"
        )
    return proposal
