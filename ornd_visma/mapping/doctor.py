"""`ornd-visma doctor`: is the mapping complete for this operator's OfficeRnD data, and does
everything it names exist, active, in Visma? Prints what is missing and how to fix it.

Against OfficeRnD (the staged warehouse, or a dataset directory): every location, tax rate,
and combination of revenue account, plan, plan type, fee kind and tax rate that invoices use
(or that a plan or resource rate would produce) has an answer in the mapping; the mapping's VAT
percent equals OfficeRnD's; codes the mapping names exist in OfficeRnD (a warning). In ledger
mode, the invoice number ranges (`mapping/numbering.py`): no two share a start within a Visma
company; OfficeRnD's highest sequence number of each location and series fits its range (below
the next range's start and 2,147,483,647); every number has a sequence number; no two documents
of a company get one InvoiceNumber (a numbering reset by month or year); and a warning, with
the YAML to paste, for ranges that are defaults rather than pinned.

Against Visma (each entity's company): every account the mapping names exists and is active;
every VAT code exists; each location's and floor's cost-center item exists and is active in
dimension 1 / 2 (a missing item is a warning: posting creates items from the mapping; an
inactive one is an error); in invoice mode every article exists, is active, and its coding's
VAT rate is the rule's; the rounding setting agrees with `DomesticCurrencyRounding`; each
revenue account carries the VAT code its lines are booked with (a warning otherwise: Visma's
VAT report takes a voucher row's code from its account); in ledger mode, no invoice number range
starts below Visma's own next customer invoice number (a warning: invoices issued in Visma
would share numbers with our ledger items).

The Visma side needs only `list_all(path, params=None) -> list[dict]` (and `get(path)` for the
company settings, when there), so any client that pages `{Meta, Data}` lists will do.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb

from ornd_visma.books import rules
from ornd_visma.mapping import numbering
from ornd_visma.mapping.model import Mapping, RevenueRule

Severity = Literal["error", "warning"]
# The collections the checks read, by dataset file name.
COLLECTIONS = (
    "locations",
    "floors",
    "tax-rates",
    "revenue-accounts",
    "plans",
    "resource-rates",
    "payments",
    "fees",
    "companies",
)
SUGGESTED_VAT_CODES = {  # Swedish eAccounting codes by percent, for the fix text
    Decimal(25): ('"10"', 2611),
    Decimal(12): ('"11"', 2621),
    Decimal(6): ('"12"', 2631),
}


class VismaLister(Protocol):
    def list_all(self, path: str, params: dict | None = None) -> list[dict]: ...


@dataclass(frozen=True)
class Finding:
    severity: Severity
    where: str  # "mapping vs OfficeRnD" or "Visma <entity>"
    what: str
    fix: str


@dataclass
class OfficeRnDData:
    """OfficeRnD records (as the API returns them) by collection name."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    source: str = ""

    def __getitem__(self, name: str) -> list[dict]:
        return self.records.get(name, [])


def officernd_from_dataset(directory: Path) -> OfficeRnDData:
    if not Path(directory).is_dir():
        raise FileNotFoundError(f"--dataset {directory}: no such directory")
    if not (Path(directory) / "locations.json").is_file():
        raise FileNotFoundError(f"--dataset {directory} is not a dataset (no locations.json)")
    records = {}
    for name in COLLECTIONS:
        path = Path(directory) / f"{name}.json"
        if path.exists():
            records[name] = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return OfficeRnDData(records, f"dataset {directory}")


def officernd_from_warehouse(conn: duckdb.DuckDBPyConnection, label: str = "") -> OfficeRnDData:
    """The staged records (`staging.<table>.payload`); tables not there yet are empty."""
    present = {
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'staging'"
        ).fetchall()
    }
    records = {}
    for name in COLLECTIONS:
        table = name.replace("-", "_")
        if table in present:
            rows = conn.execute(f"SELECT payload FROM staging.{table}").fetchall()
            records[name] = [json.loads(r[0], parse_float=Decimal) for r in rows]
    return OfficeRnDData(records, f"warehouse {label}".strip())


# -- OfficeRnD side ------------------------------------------------------------------------


def _by_id(records: list[dict]) -> dict[str, dict]:
    return {r["_id"]: r for r in records if r.get("_id")}


def _name(record: dict | None, fallback: str | None) -> str:
    if record is None:
        return fallback or "(none)"
    return record.get("code") or record.get("_id") or fallback or "(none)"


def used_combinations(data: OfficeRnDData) -> Counter:
    """(revenue account, plan, plan type, fee kind, tax rate) -> lines using it, as codes;
    from invoice lines, and from every plan and resource rate (what they would invoice)."""
    accounts = _by_id(data["revenue-accounts"])
    taxes = _by_id(data["tax-rates"])
    plans = _by_id(data["plans"])
    rates = _by_id(data["resource-rates"])
    fees = _by_id(data["fees"])
    combos: Counter = Counter()
    for doc in data["payments"]:
        if doc.get("documentType", "invoice") not in ("invoice", "creditNote"):
            continue
        if doc.get("status") in ("voided", "draft"):
            continue
        for line in doc.get("lines") or []:
            plan = plans.get(line.get("plan")) or rates.get(line.get("plan"))
            fee = fees.get(line.get("fee")) or {}
            kind = rules.fee_kind(
                bool(line.get("membership") or line.get("memberships")),
                line.get("plan") in rates,
                fee.get("planType"),
                fee.get("isRefundable"),
            )
            combos[
                (
                    _name(accounts.get(line.get("account")), line.get("account")),
                    _name(plan, line.get("plan")),
                    (plans.get(line.get("plan")) or {}).get("type"),
                    kind,
                    _name(taxes.get(line.get("taxRate")), line.get("taxRate")),
                )
            ] += 1
    default_booking = next(
        (a for a in accounts.values() if a.get("defaultFor") == "bookingFees"), None
    )
    for plan in plans.values():
        account = accounts.get(plan.get("revenueAccount"))
        if account is None:
            continue
        kind = "membership" if plan.get("intervalLength") == "month" else "one_off"
        tax = taxes.get(account.get("taxRate"))
        # += 0: a combination nothing invoiced yet is still one to check (a bare lookup
        # of a Counter never inserts the key)
        key = (_name(account, None), _name(plan, None), plan.get("type"), kind, _name(tax, None))
        combos[key] += 0
    for rate in rates.values():
        account = accounts.get(rate.get("revenueAccount")) or default_booking
        if account is None:
            continue
        tax = taxes.get(account.get("taxRate"))
        combos[(_name(account, None), _name(rate, None), None, "booking", _name(tax, None))] += 0
    return combos


def check_officernd(mapping: Mapping, data: OfficeRnDData) -> list[Finding]:
    where = f"mapping vs OfficeRnD ({data.source})" if data.source else "mapping vs OfficeRnD"
    out: list[Finding] = []
    if mapping.posting_mode == "invoices":
        # The API does not tell whether OfficeRnD sends and charges its own invoices, so this
        # is said on every check rather than detected.
        out.append(
            Finding(
                "warning",
                where,
                "`posting_mode: invoices`: Visma issues the invoices, so OfficeRnD must not "
                "send or charge its own, or members are charged twice",
                "in OfficeRnD, Settings / Billing Settings / Billing Rules: turn auto-send and "
                "auto-charge off (or use `posting_mode: ledger`)",
            )
        )
    locations = _by_id(data["locations"])
    for loc in locations.values():
        if mapping.find(mapping.locations, loc.get("code"), loc["_id"]) is None:
            code = loc.get("code") or loc["_id"]
            out.append(
                Finding(
                    "error",
                    where,
                    f"location {code} ({loc.get('name')}) is not in `locations`: its documents "
                    "would be held",
                    f"add under `locations:`  {code}: {{entity: "
                    f"{next(iter(mapping.entities))}, cost_center_item: {code[:9]}}}",
                )
            )
    known_locations = {loc.get("code") for loc in locations.values()} | set(locations)
    unknown = [code for code in mapping.locations if locations and code not in known_locations]
    if unknown:
        out.append(
            Finding(
                "warning",
                where,
                f"`locations` names codes no OfficeRnD location has: {', '.join(unknown)}",
                "harmless if they are locations still to open; else remove or correct them",
            )
        )
    floors_used = {}
    for floor in data["floors"]:
        loc = locations.get(floor.get("location"))
        if loc is None:
            continue
        names = [
            f"{a}/{b}"
            for a in (loc.get("code"), loc["_id"])
            for b in (floor.get("name"), floor["_id"])
            if a and b
        ]
        floors_used[names[0]] = mapping.find(mapping.floors, *names) is not None
    unmapped_floors = sorted(k for k, mapped in floors_used.items() if not mapped)
    if unmapped_floors and mapping.floors:
        out.append(
            Finding(
                "warning",
                where,
                f"floors without a cost-center item (second dimension left empty): "
                f"{', '.join(unmapped_floors)}",
                "add under `floors:` e.g. "
                f'"{unmapped_floors[0]}": {{cost_center_item: ...}} (optional)',
            )
        )
    taxes = _by_id(data["tax-rates"])
    eu_customers = [
        c
        for c in data["companies"]
        if rules.is_eu_business(
            (c.get("address") or {}).get("country"),
            (c.get("billingDetails") or {}).get("vatNumber"),
        )
    ]
    for tax in taxes.values():
        code = tax.get("code") or tax["_id"]
        vat = mapping.find(mapping.vat, tax.get("code"), tax["_id"])
        percent = Decimal(str(tax.get("rate", 0)))
        if vat is None:
            suggestion = SUGGESTED_VAT_CODES.get(percent)
            kind = tax.get("type")
            treatment = kind if kind in ("zero", "exempt", "reverse_charge") else "zero"
            fix = (
                f"add under `vat:`  {code}: {{vat_code: {suggestion[0]}, percent: {percent}, "
                f"vat_account: {suggestion[1]}}}"
                if suggestion
                else f"add under `vat:`  {code}: {{vat_code: ..., percent: {percent}, "
                f"treatment: {treatment}}}"
            )
            out.append(
                Finding("error", where, f"tax rate {code} ({tax.get('name')}) is not in `vat`", fix)
            )
        elif vat.percent != percent:
            out.append(
                Finding(
                    "error",
                    where,
                    f"`vat.{code}.percent` is {vat.percent} but OfficeRnD's rate is {percent}",
                    f"set `vat.{code}.percent: {percent}` (and the matching vat_code)",
                )
            )
        elif tax.get("type") == "reverse_charge" and vat.vat_treatment != "reverse_charge":
            out.append(
                Finding(
                    "error",
                    where,
                    f"tax rate {code} is OfficeRnD's reverse charge but `vat.{code}` treats it "
                    f"as {vat.vat_treatment}",
                    f"set `vat.{code}.treatment: reverse_charge`",
                )
            )
    if eu_customers and not any(v.vat_treatment == "reverse_charge" for v in mapping.vat.values()):
        out.append(
            Finding(
                "warning",
                where,
                f"{len(eu_customers)} EU business customers, but no `vat` entry has treatment "
                "reverse_charge",
                "map OfficeRnD's reverse-charge tax rate with `treatment: reverse_charge`",
            )
        )
    out += _check_property_reverse_charge(mapping, data, where)
    unmapped: dict[str, list[str]] = {}
    for combo, count in sorted(used_combinations(data).items(), key=lambda kv: kv[0]):
        account, plan, plan_type, kind, tax = combo
        if mapping.revenue_rule(_combo_names(combo)) is None:
            used = f"{count} invoice lines" if count else "not invoiced yet"
            unmapped.setdefault(account, []).append(
                f"plan {plan} (type {plan_type or '-'}, fee kind {kind}, tax rate {tax}; {used})"
            )
    for account, uses in unmapped.items():
        out.append(
            Finding(
                "error",
                where,
                f"no revenue rule for revenue account {account}: " + "; ".join(uses),
                f"add under `revenue:`  - {{revenue_account: {account}, account: <BAS account>, "
                "revenue_class: <class>} (add `plan:`, `fee_kind:` or `tax_rate:` for a "
                "rule that applies to only some of them)",
            )
        )
    if mapping.posting_mode == "ledger":
        out += check_numbering(mapping, data, where)
    return out


def _combo_names(combo: tuple) -> dict[str, tuple[str | None, ...]]:
    account, plan, plan_type, kind, tax = combo
    return {
        "revenue_account": (account,),
        "plan": (plan,),
        "plan_type": (plan_type,),
        "fee_kind": (kind,),
        "tax_rate": (tax,),
    }


def _check_property_reverse_charge(
    mapping: Mapping, data: OfficeRnDData, where: str
) -> list[Finding]:
    """A reverse-charge tax rate on a property-connected revenue class (a warning: the place
    of supply is where the building is, so Swedish VAT may be due; the product posts what
    OfficeRnD invoiced and never changes it)."""
    uses: dict[tuple[str, str], int] = {}
    for combo, count in used_combinations(data).items():
        vat = mapping.find(mapping.vat, combo[4])
        rule = mapping.revenue_rule(_combo_names(combo))
        if vat is None or rule is None or vat.vat_treatment != "reverse_charge":
            continue
        if rule.revenue_class in rules.PROPERTY_CONNECTED_CLASSES:
            key = (rule.revenue_class, combo[4])
            uses[key] = uses.get(key, 0) + count
    return [
        Finding(
            "warning",
            where,
            f"revenue class {revenue_class} is invoiced with reverse-charge tax rate {tax} "
            f"({count} invoice lines): a service connected with a building in Sweden is taxed "
            "in Sweden also for an EU business customer, so Swedish VAT may be due",
            "ask your accountant; if Swedish VAT is due, give these plans a Swedish tax rate in "
            "OfficeRnD (the books post what OfficeRnD invoiced; docs/posting.md, VAT decisions)",
        )
        for (revenue_class, tax), count in sorted(uses.items())
    ]


FULL_WARNING = 0.9  # share of a range used by OfficeRnD's highest sequence number


def check_numbering(mapping: Mapping, data: OfficeRnDData, where: str) -> list[Finding]:
    """The InvoiceNumber ranges against each other and OfficeRnD's numbers (ledger mode)."""
    out: list[Finding] = []
    ranges = numbering.number_ranges(mapping)
    by_start: dict[tuple[str, int], list[numbering.NumberRange]] = {}
    for r in ranges.values():
        by_start.setdefault((r.entity, r.start), []).append(r)
    for (entity, start), shared in sorted(by_start.items()):
        if len(shared) > 1:
            free = numbering.free_slot(mapping, entity)
            out.append(
                Finding(
                    "error",
                    where,
                    f"invoice number ranges overlap in Visma company {entity}: "
                    + " and ".join(f"`{r.name}`" for r in shared)
                    + (" both" if len(shared) == 2 else " all")
                    + f" start at {start}: their documents would get the same numbers",
                    "give each location and series a start of its own"
                    + (
                        f", e.g. `{shared[-1].location}: {{invoice_numbers: "
                        f"{_numbers_yaml(free)}}}`"
                        if free
                        else ""
                    ),
                )
            )
    locations = _by_id(data["locations"])
    pattern = mapping.numbering.sequence_pattern
    highest: dict[tuple[str, str], tuple[int, str]] = {}
    no_sequence: dict[str, list[str]] = {}
    numbers: dict[tuple[str, int], dict[str, str]] = {}  # -> {OfficeRnD id: label}
    for doc in data["payments"]:
        kind = doc.get("documentType", "invoice")
        if kind not in ("invoice", "creditNote") or doc.get("status") in ("voided", "draft"):
            continue
        loc = locations.get(doc.get("location")) or {}
        key = numbering.location_key(mapping, loc.get("code"), doc.get("location"))
        if key is None:
            continue  # an unmapped location is its own finding
        series = numbering.series_of(kind)
        number = doc.get("number")
        sequence = numbering.sequence_number(number, pattern)
        if sequence is None:
            no_sequence.setdefault(key, []).append(repr(number))
            continue
        if sequence > highest.get((key, series), (-1, ""))[0]:
            highest[(key, series)] = (sequence, number)
        r = ranges[(key, series)]
        holders = numbers.setdefault((r.entity, r.start + sequence), {})
        holders[doc["_id"]] = f"{number} ({doc['_id']})"
    for (key, series), (sequence, number) in sorted(highest.items()):
        r = ranges[(key, series)]
        value, room = r.start + sequence, r.end - r.start + 1
        if value > r.end:
            beyond = (
                "2147483647, the largest InvoiceNumber"
                if r.end >= numbering.INT32_MAX
                else f"the next range at {r.end + 1}"
            )
            out.append(
                Finding(
                    "error",
                    where,
                    f"OfficeRnD's {number} gives InvoiceNumber {r.start} + {sequence} = {value}, "
                    f"past the end of {r}: it runs into {beyond}; such documents are held",
                    f"move `{r.name}` (or the range after it) so that at least "
                    f"{sequence + 1} numbers fit, with room to grow",
                )
            )
        elif sequence >= FULL_WARNING * room:
            out.append(
                Finding(
                    "warning",
                    where,
                    f"{r} is {sequence * 100 // room} % used: OfficeRnD is at {number}",
                    f"move the range after it, or `{r.name}`, before it fills up",
                )
            )
    for key, bad in sorted(no_sequence.items()):
        out.append(
            Finding(
                "error",
                where,
                f"{len(bad)} documents of location {key} have a number without a sequence "
                f"number (no match of `numbering.sequence_pattern` {pattern!r}), e.g. "
                f"{', '.join(bad[:3])}: they cannot be given a Visma InvoiceNumber and are held",
                "number them with digits in OfficeRnD (Settings → Billing Rules), or set "
                "`numbering.sequence_pattern` to read their sequence number",
            )
        )
    twice = {k: v for k, v in numbers.items() if len(v) > 1}
    if twice:
        (entity, value), docs = min((k, list(v.values())) for k, v in twice.items())
        out.append(
            Finding(
                "error",
                where,
                f"{len(twice)} InvoiceNumbers would be given twice in Visma company {entity}, "
                f"e.g. {value} to {' and '.join(docs[:2])}: the later document is held",
                "OfficeRnD's numbering restarts (by month or year?): make the template's "
                "sequence unique per location and document type, or set "
                "`numbering.sequence_pattern` to read a sequence that is",
            )
        )
    unpinned = sorted({r.location for r in ranges.values() if not r.pinned})
    if unpinned:
        yaml = "; ".join(
            f"{key}: {{invoice_numbers: {_numbers_yaml(numbering.starts(mapping, key)[0])}}}"
            for key in unpinned
        )
        out.append(
            Finding(
                "warning",
                where,
                f"locations without `invoice_numbers` are numbered in their default ranges "
                f"(derived from their key): {', '.join(unpinned)}",
                f"pin them before the first posting, under `locations:` {yaml}",
            )
        )
    return out


def _numbers_yaml(starts: dict) -> str:
    return "{" + ", ".join(f"{series}: {starts[series]}" for series in numbering.SERIES) + "}"


# -- Visma side ----------------------------------------------------------------------------


def _mapped_accounts(mapping: Mapping) -> dict[int, str]:
    """Every account the mapping names, with the key that names it."""
    named: dict[int, str] = {}
    for key, value in mapping.accounts.model_dump().items():
        named.setdefault(value, f"accounts.{key}")
    for i, rule in enumerate(mapping.revenue):
        named.setdefault(rule.account, f"revenue.{i}.account")
    for code, vat in mapping.vat.items():
        if vat.vat_account is not None:
            named.setdefault(vat.vat_account, f"vat.{code}.vat_account")
    if any(v.vat_treatment == "reverse_charge" for v in mapping.vat.values()):
        named.setdefault(mapping.reverse_charge.account, "reverse_charge.account")
    return named


def check_visma(mapping: Mapping, visma: VismaLister, entity: str) -> list[Finding]:
    where = f"Visma ({entity})"
    out: list[Finding] = []
    accounts = {int(a["Number"]): a for a in visma.list_all("accounts")}
    for number, key in sorted(_mapped_accounts(mapping).items()):
        account = accounts.get(number)
        if account is None:
            out.append(
                Finding(
                    "error",
                    where,
                    f"account {number} (`{key}`) is not in Visma's chart of accounts",
                    f"create account {number} in Visma (Inställningar → Kontoplan), or change "
                    f"`{key}`",
                )
            )
        elif not account.get("IsActive", True):
            out.append(
                Finding(
                    "error",
                    where,
                    f"account {number} (`{key}`) is inactive in Visma",
                    f"activate account {number} in Visma's chart of accounts",
                )
            )
    codes = {c.get("Code"): c for c in visma.list_all("vatcodes")}
    needed = {
        code: f"vat.{key}.vat_code" for key, v in mapping.vat.items() for code in [v.vat_code]
    }
    if any(v.vat_treatment == "reverse_charge" for v in mapping.vat.values()):
        needed.setdefault(mapping.reverse_charge.vat_code, "reverse_charge.vat_code")
    for code, key in sorted(needed.items()):
        if code not in codes:
            out.append(
                Finding(
                    "error",
                    where,
                    f"VAT code {code} (`{key}`) does not exist in Visma",
                    f"use one of Visma's VAT codes: {', '.join(sorted(c for c in codes if c))}",
                )
            )
    out += _check_cost_centers(mapping, visma, entity, where)
    if mapping.posting_mode == "invoices":
        out += _check_articles(mapping, visma, where)
    getter = getattr(visma, "get", None)
    settings: dict[str, Any] = (getter("companysettings") or {}) if callable(getter) else {}
    following = settings.get("NextCustomerInvoiceNumber")
    if mapping.posting_mode == "ledger" and following is not None:
        reached = sorted(
            (
                r
                for r in numbering.number_ranges(mapping).values()
                if r.entity == entity and r.start < int(following)
            ),
            key=lambda r: r.start,
        )
        if reached:
            out.append(
                Finding(
                    "warning",
                    where,
                    f"Visma's own customer invoice series is at {following}, past the start of "
                    + ", ".join(str(r) for r in reached[:3])
                    + (" and more" if len(reached) > 3 else "")
                    + ": invoices issued in Visma and our ledger items may share numbers",
                    "start the ranges above the numbers Visma's invoice series will reach",
                )
            )
    if mapping.rounding is not None and callable(getter):
        value = settings.get("DomesticCurrencyRounding")
        if value is not None and _visma_mode(int(value)) != mapping.rounding:
            out.append(
                Finding(
                    "warning",
                    where,
                    f"`rounding: {mapping.rounding}` but Visma's DomesticCurrencyRounding is "
                    f"{value} ({_visma_mode(int(value))})",
                    "remove `rounding` to follow Visma, or change Visma's company settings",
                )
            )
    return out


def check_vat_codes(
    mapping: Mapping, data: OfficeRnDData, visma: VismaLister, entity: str
) -> list[Finding]:
    """Each revenue account a used combination lands on should carry, in Visma, the VAT code
    the line is booked with: Visma's VAT report takes a voucher row's code from its account."""
    codes = {c.get("Id"): c.get("Code") for c in visma.list_all("vatcodes")}
    accounts = {int(a["Number"]): codes.get(a.get("VatCodeId")) for a in visma.list_all("accounts")}
    seen: dict[tuple[int, str], list[str]] = {}
    for account_code, plan, plan_type, kind, tax in used_combinations(data):
        names = {
            "revenue_account": (account_code,),
            "plan": (plan,),
            "plan_type": (plan_type,),
            "fee_kind": (kind,),
            "tax_rate": (tax,),
        }
        rule = mapping.revenue_rule(names)
        vat = mapping.find(mapping.vat, tax)
        if rule is None or vat is None:
            continue  # reported by check_officernd
        account, code = rule.account, vat.vat_code
        if vat.vat_treatment == "reverse_charge":
            account, code = mapping.reverse_charge.account, mapping.reverse_charge.vat_code
        if not rules.is_revenue_account(account) or account not in accounts:
            continue
        if accounts[account] != code:
            seen.setdefault((account, code), []).append(f"{account_code} × {tax}")
    return [
        Finding(
            "warning",
            f"Visma ({entity})",
            f"account {account} has VAT code {accounts[account] or '(none)'} in Visma, but "
            f"{', '.join(sorted(set(uses)))} is booked on it with VAT code {code}",
            f"give account {account} VAT code {code} in Visma, or map these lines to an "
            "account that has it (Visma's VAT report follows the account's code)",
        )
        for (account, code), uses in sorted(seen.items())
    ]


def _visma_mode(value: int) -> str:
    return "whole_krona" if value == 1 else "none"


def _check_cost_centers(
    mapping: Mapping, visma: VismaLister, entity: str, where: str
) -> list[Finding]:
    out: list[Finding] = []
    centers = {int(c.get("Number") or 0): c for c in visma.list_all("costcenters")}
    wanted: dict[int, dict[str, str]] = {1: {}, 2: {}}
    for code, loc in mapping.locations.items():
        if loc.entity == entity and loc.cost_center_item:
            wanted[1].setdefault(loc.cost_center_item, f"locations.{code}.cost_center_item")
    for key, floor in mapping.floors.items():
        location = mapping.locations.get(key.split("/", 1)[0])
        if location is not None and location.entity == entity:
            wanted[2].setdefault(floor.cost_center_item, f"floors.{key}.cost_center_item")
    for number, items in wanted.items():
        if not items:
            continue
        center = centers.get(number)
        if center is None or not center.get("IsActive", True):
            state = "missing" if center is None else "inactive"
            out.append(
                Finding(
                    "error",
                    where,
                    f"cost center dimension {number} is {state} in Visma "
                    f"({len(items)} items are mapped to it)",
                    f"activate cost center {number} in Visma (Inställningar → Kostnadsställen)",
                )
            )
            continue
        existing = {i.get("ShortName"): i for i in center.get("Items") or []}
        missing = sorted(name for name in items if name not in existing)
        inactive = sorted(
            name for name in items if name in existing and not existing[name].get("IsActive", True)
        )
        for name in inactive:
            out.append(
                Finding(
                    "error",
                    where,
                    f"cost center item {name} (`{items[name]}`) is inactive in dimension "
                    f"{number} ({center.get('Name')})",
                    f"activate item {name} in Visma, or map another item",
                )
            )
        if missing:
            out.append(
                Finding(
                    "warning",
                    where,
                    f"cost center items not yet in dimension {number} ({center.get('Name')}): "
                    f"{', '.join(missing)}",
                    "the posting step creates them from the mapping on its first run (or "
                    "create them in Visma with these ShortNames)",
                )
            )
    return out


def _check_articles(mapping: Mapping, visma: VismaLister, where: str) -> list[Finding]:
    out: list[Finding] = []
    articles = {a.get("Number"): a for a in visma.list_all("articles")}
    codings = {c.get("Id"): c for c in visma.list_all("articleaccountcodings")}
    for i, rule in enumerate(mapping.revenue):
        if rule.article is None:
            continue
        article = articles.get(rule.article)
        if article is None:
            out.append(
                Finding(
                    "error",
                    where,
                    f"article {rule.article} (`revenue.{i}.article`, {rule.revenue_class}) does "
                    "not exist in Visma",
                    f"create article {rule.article} in Visma with the account coding for its "
                    "VAT rate, or change the rule",
                )
            )
        elif not article.get("IsActive", True):
            out.append(
                Finding(
                    "error",
                    where,
                    f"article {rule.article} (`revenue.{i}.article`) is inactive in Visma",
                    f"activate article {rule.article} in Visma",
                )
            )
        else:
            coding = codings.get(article.get("CodingId")) or {}
            percent = coding.get("VatRatePercent")
            expected = mapping.find(mapping.vat, rule.tax_rate) if rule.tax_rate else None
            # eAccounting answers rates as fractions (0.25); accept percent as well.
            if percent is not None and expected is not None:
                rate = Decimal(str(percent))
                if expected.percent not in (rate, rate * 100):
                    out.append(
                        Finding(
                            "error",
                            where,
                            f"article {rule.article}'s coding {coding.get('Name')} has VAT "
                            f"{percent}, but `revenue.{i}` is for {expected.percent} %",
                            "give the article the coding of the right VAT rate",
                        )
                    )
            out += _check_coding_accounts(mapping, i, rule, coding, where)
    return out


# The coding slot Visma books an article's revenue on, by the line's VAT treatment.
CODING_SLOTS = {
    "standard": "DomesticSalesSubjectToVatAccountNumber",
    "zero": "DomesticSalesVatExemptAccountNumber",
    "exempt": "DomesticSalesVatExemptAccountNumber",
    "reverse_charge": "ForeignSalesVatExemptWithinEuAccountNumber",
}


def _check_coding_accounts(
    mapping: Mapping, index: int, rule: RevenueRule, coding: dict, where: str
) -> list[Finding]:
    """In invoice mode Visma books an article's revenue on its account coding, not on the
    rule's account: they must agree or Visma's ledger differs from the books. A rule without
    a tax rate is taken by the coding's own rate (taxed: the domestic taxable slot, 0 %: the
    exempt slot). Reverse charge goes to `reverse_charge.account` whatever the rule says; its
    slot is a warning, as no reverse-charge line may ever use the article."""
    if not coding:
        return []
    vat = mapping.find(mapping.vat, rule.tax_rate) if rule.tax_rate else None
    if vat is not None:
        treatment = vat.vat_treatment
    else:
        taxed = Decimal(str(coding.get("VatRatePercent") or 0)) > 0
        treatment = "standard" if taxed else "exempt"
    checks = [("error", CODING_SLOTS[treatment], rule.account, f"`revenue.{index}.account`")]
    if treatment != "reverse_charge" and any(
        v.vat_treatment == "reverse_charge" for v in mapping.vat.values()
    ):
        account = mapping.reverse_charge.account
        checks.append(("warning", CODING_SLOTS["reverse_charge"], account, "`reverse_charge`"))
    out = []
    for severity, slot, expected, key in checks:
        booked = coding.get(slot)
        if booked is None or int(booked) != int(expected):
            out.append(
                Finding(
                    severity,
                    where,
                    f"article {rule.article}'s coding {coding.get('Name')} books {slot} on "
                    f"{booked or 'no account'}, but {key} is {expected}: Visma's ledger would "
                    "differ from the books",
                    f"give article {rule.article} a coding whose {slot} is {expected}, or set "
                    f"{key} to {booked}" if booked else f"set the coding's {slot} to {expected}",
                )
            )
    return out


# -- report ---------------------------------------------------------------------------------


def report(findings: list[Finding], visma_checked: bool = True) -> str:
    """The findings as plain text, errors first; the last line says what to do."""
    if not findings:
        return "doctor: the mapping is complete" + (
            " and everything it names exists in Visma.\n" if visma_checked else ".\n"
        )
    lines = []
    for severity in ("error", "warning"):
        for f in (f for f in findings if f.severity == severity):
            lines.append(f"{severity.upper()}  [{f.where}] {f.what}\n         fix: {f.fix}")
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    lines.append(
        f"\ndoctor: {errors} error(s), {warnings} warning(s)"
        + (": documents using what is missing will be held until it is fixed." if errors else ".")
    )
    return "\n".join(lines) + "\n"


# -- the command ----------------------------------------------------------------------------


def _read_warehouse(path: Path) -> OfficeRnDData:
    """The staged data of the warehouse, or of its analysts' snapshot while a run writes."""
    candidates = [path, path.with_name(path.name.removesuffix(".duckdb") + ".snapshot.duckdb")]
    last_error: Exception | None = None
    for candidate in candidates:
        if not candidate.exists():
            continue
        try:
            conn = duckdb.connect(str(candidate), read_only=True)
        except duckdb.Error as error:  # a writer holds it: try the snapshot
            last_error = error
            continue
        try:
            return officernd_from_warehouse(conn, str(candidate))
        finally:
            conn.close()
    raise FileNotFoundError(
        f"no readable warehouse at {path}"
        + (f" ({last_error})" if last_error else "")
        + ": run the pipeline first, or pass --dataset DIR"
    )


def visma_clients(mapping: Mapping) -> dict[str, VismaLister]:
    """A client per entity that locations use, from the environment (sandbox when unset)."""
    from ornd_visma.visma import TokenStore, VismaClient, state_dir, visma_settings

    used = {loc.entity for loc in mapping.locations.values()} or set(mapping.entities)
    return {
        name: VismaClient(
            visma_settings(name, mapping.entities[name].env_prefix),
            TokenStore(state_dir(), name),
            max_attempts=2,
        )
        for name in sorted(used)
    }


def diagnose(
    mapping: Mapping,
    officernd: OfficeRnDData | None,
    clients: dict[str, VismaLister] | None,
) -> list[Finding]:
    """Every finding of both halves; a Visma company that cannot be read is itself one."""
    findings: list[Finding] = []
    if officernd is not None:
        findings += check_officernd(mapping, officernd)
    for entity, client in (clients or {}).items():
        try:
            findings += check_visma(mapping, client, entity)
            if officernd is not None:
                findings += check_vat_codes(mapping, officernd, client, entity)
        except Exception as error:  # the finding says what went wrong, doctor goes on
            url = getattr(getattr(client, "settings", None), "api_url", "")
            findings.append(
                Finding(
                    "error",
                    f"Visma ({entity})",
                    f"cannot read the Visma company {url}: {type(error).__name__}: {error}",
                    f"check the entity's {mapping.entities[entity].env_prefix}_* variables and "
                    "that Visma (or `ornd-visma sandbox`) is reachable",
                )
            )
    return findings


def run_doctor(
    mapping_file: str | None,
    dataset: str | None,
    warehouse: str | None,
    *,
    visma: bool = True,
    clients: dict[str, VismaLister] | None = None,
    out=None,
) -> int:
    """`ornd-visma doctor`: print the findings; 0 when there is no error, 1 otherwise."""
    import sys

    from ornd_visma.config import mapping_path, warehouse_path
    from ornd_visma.mapping.load import MappingError, load_mapping

    out = out or sys.stdout
    path = Path(mapping_file) if mapping_file else mapping_path()
    try:
        mapping = load_mapping(path)
    except MappingError as error:
        print(f"ERROR  the mapping file cannot be used: {error}", file=out)
        return 1
    print(f"doctor: mapping {path}", file=out)
    try:
        data = (
            officernd_from_dataset(Path(dataset))
            if dataset
            else _read_warehouse(Path(warehouse) if warehouse else warehouse_path())
        )
    except FileNotFoundError as error:
        print(f"ERROR  {error}", file=out)
        return 1
    print(f"doctor: OfficeRnD data from the {data.source}", file=out)
    if visma and clients is None:
        clients = visma_clients(mapping)
    findings = diagnose(mapping, data, clients if visma else None)
    print(report(findings, visma_checked=bool(visma and clients)), end="", file=out)
    return 1 if any(f.severity == "error" for f in findings) else 0
