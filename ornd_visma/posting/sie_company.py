"""Who the SIE file is for: the company's name and organisation number, its fiscal years and
the names of its accounts, from Visma when it can be asked, else from the mapping and the
BAS table.

Decisions:
* **Visma first.** When the entity's Visma company answers, its company settings give
  `#FNAMN` (`Name`), `#ORGNR` (`CorporateIdentityNumber`) and `#ADRESS`, `GET /fiscalyears`
  the fiscal years, and `GET /accounts` (the chart of the fiscal year holding today) the
  account names. What Visma leaves empty is taken from the mapping: `entities.<name>.
  company_name`, `.org_nr`, `.fiscal_year_start_month` (fiscal years of twelve months from
  the first of that month; 1, the default, is calendar years), and `account_names`.
* **Account names**: Visma's, else the mapping's `account_names`, else the BAS table of the
  accounts the product posts by default (ornd_visma.posting.bas). An account none of them
  names is refused with one line naming it and where to add the name: an importer creates a
  missing account from `#KONTO`, and a made-up name would stay in the books.
* **A name and an organisation number are required**: SIE requires `#FNAMN`, and importers
  check `#ORGNR` against the company they import into, so a file without either is refused
  rather than written. The number is written `NNNNNN-NNNN` (a 12-digit form loses its
  century digits).
* **Fiscal years**: a voucher dated in none of Visma's fiscal years is refused (create the
  year in Visma first); from the mapping, every date has its year.
"""

from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from ornd_visma.mapping.model import Mapping
from ornd_visma.posting.bas import BAS_NAMES


class SieError(ValueError):
    """The SIE file cannot be written; the message names the thing and why, in one line."""


class VismaReader(Protocol):
    def get(self, path: str, params: dict | None = None) -> Any: ...

    def list_all(self, path: str, params: dict | None = None) -> list[dict]: ...


@dataclass(frozen=True, order=True)
class FiscalYear:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def twelve_months(day: date, first_month: int) -> FiscalYear:
    """The fiscal year of twelve months, starting on the 1st of `first_month`, holding `day`."""
    year = day.year if day.month >= first_month else day.year - 1
    start = _month_start(year, first_month)
    following = _month_start(year + 1, first_month)
    return FiscalYear(start, date.fromordinal(following.toordinal() - 1))


@dataclass(frozen=True)
class Company:
    """Everything the file says about the company (see the module docstring)."""

    name: str
    org_nr: str | None = None
    address: tuple[str, str, str, str] | None = None  # contact, street, postal address, phone
    account_names: MappingType[int, str] = field(default_factory=lambda: dict(BAS_NAMES))
    fiscal_years: tuple[FiscalYear, ...] = ()  # Visma's; empty: twelve months from first_month
    first_month: int = 1
    source: str = "the mapping"  # where the names and years came from, for messages

    def fiscal_year(self, day: date) -> FiscalYear:
        if not self.fiscal_years:
            return twelve_months(day, self.first_month)
        for year in self.fiscal_years:
            if day in year:
                return year
        raise SieError(
            f"a voucher is dated {day}, in none of the fiscal years of {self.source} "
            f"({', '.join(f'{y.start}–{y.end}' for y in self.fiscal_years)}): create that "
            "fiscal year in Visma first"
        )

    def years_back(self, oldest: date, newest: date) -> list[FiscalYear]:
        """The fiscal years from the one holding `newest` back to the one holding `oldest`,
        newest first, none skipped (SIE numbers them 0, -1, -2, …)."""
        years = [self.fiscal_year(newest)]
        while oldest < years[-1].start:
            before = date.fromordinal(years[-1].start.toordinal() - 1)
            years.append(self.fiscal_year(before))
        return years

    def account_name(self, number: int) -> str:
        name = self.account_names.get(number)
        if not name or not name.strip():
            asked = f"{self.source}, " if self.source.startswith("Visma") else ""
            raise SieError(
                f"account {number} has no name for #KONTO: neither {asked}the mapping's "
                f"`account_names` nor the BAS table names it; add it to the mapping as "
                f'`account_names: {{{number}: "<name>"}}`'
            )
        return name


@dataclass(frozen=True)
class VismaCompany:
    """What one Visma company says about itself (the answers, not yet merged)."""

    name: str | None
    org_nr: str | None
    address: tuple[str, str, str, str] | None
    fiscal_years: tuple[FiscalYear, ...]
    account_names: dict[int, str]


def _day(text: str) -> date:
    return date.fromisoformat(str(text)[:10])


def read_visma(client: VismaReader) -> VismaCompany:
    """The company settings, fiscal years and account names of the client's company."""
    settings = client.get("/companysettings") or {}
    years = tuple(
        sorted(
            FiscalYear(_day(y["StartDate"]), _day(y["EndDate"]))
            for y in client.list_all("/fiscalyears")
            if y.get("StartDate") and y.get("EndDate")
        )
    )
    names = {
        int(a["Number"]): str(a["Name"])
        for a in client.list_all("/accounts")
        if str(a.get("Number") or "").isdigit() and a.get("Name")
    }
    street = settings.get("Address1") or ""
    postal = " ".join(p for p in (settings.get("PostalCode"), settings.get("City")) if p)
    address = None
    if street or postal:
        address = (settings.get("OurReference") or "", street, postal, settings.get("Phone") or "")
    return VismaCompany(
        settings.get("Name") or None,
        settings.get("CorporateIdentityNumber") or None,
        address,
        years,
        names,
    )


def org_number(text: str, where: str) -> str:
    """`text` as SIE's `NNNNNN-NNNN`; 10 digits, or 12 with the century first."""
    digits = text.replace("-", "").replace(" ", "")
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise SieError(f"the organisation number {text!r} of {where} is not NNNNNN-NNNN")
    digits = digits[-10:]
    return f"{digits[:6]}-{digits[6:]}"


def company_for(mapping: Mapping, entity: str, visma: VismaCompany | None) -> Company:
    """The company of `entity`: Visma's answers (when given) over the mapping's settings."""
    if entity not in mapping.entities:
        raise SieError(
            f"unknown entity {entity!r}: the mapping has {', '.join(sorted(mapping.entities))}"
        )
    settings = mapping.entities[entity]
    source = f"Visma ({entity})" if visma is not None else f"the mapping's entities.{entity}"
    name = (visma.name if visma else None) or settings.company_name
    if not name:
        raise SieError(
            f"no company name for #FNAMN: {source} has none; set "
            f"`entities.{entity}.company_name` in the mapping"
        )
    org = (visma.org_nr if visma else None) or settings.org_nr
    if not org:
        raise SieError(
            f"no organisation number for #ORGNR: {source} has none; set "
            f"`entities.{entity}.org_nr` (NNNNNN-NNNN) in the mapping"
        )
    names = {**BAS_NAMES, **mapping.account_names, **(visma.account_names if visma else {})}
    return Company(
        name=name,
        org_nr=org_number(org, source),
        address=visma.address if visma else None,
        account_names=names,
        fiscal_years=visma.fiscal_years if visma else (),
        first_month=settings.fiscal_year_start_month,
        source=source if visma else "the mapping",
    )
