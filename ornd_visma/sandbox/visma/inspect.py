"""What the simulated Visma holds, as JSON-ready data, computed from the persisted state
(no server needed): `ornd-visma sandbox inspect --state DIR` prints `inspect_state(DIR)`.

    {"company": ..., "counts": {...},
     "customers": [...], "ledger_items": [...], "invoices": [...], "drafts": [...],
     "vouchers": [...],
     "totals": {
       "accounts": {"1510": {"name", "debit", "credit", "balance"}},   # balance = D - C
       "cost_center_items": {"<id>": {"name", "short_name", "cost_center", "debit",
                                      "credit", "balance"}},
       "vat_codes": {"10": {"description", "rate", "base", "vat"}},  # credit - debit
       "vat_codes_by_month": {"2026-10": {"10": {"base", "vat"}}},
       "accounts_by_month": {"2026-10": {"3001": {"debit", "credit", "balance"}}},
       "debit", "credit", "balanced"}}

Per VAT code, `base` sums the rows carrying the code (the revenue) and `vat` the rows on the
code's VAT account, both as credit minus debit (sales positive, credits negative); a row's
code is the one Visma stored on it (`VatCodeId`), so a voucher posted with
`useDefaultVatCodes=false` and no code moves no base. `vat_codes_by_month` is the same per
month of the voucher date (the VAT return's view: base and VAT of one period must come from
the same invoices), `accounts_by_month` the accounts per month (revenue by period). Amounts
are JSON numbers with at most two decimals.
"""

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from ornd_visma.sandbox.visma.store import Store, db_path, jsonable
from ornd_visma.sandbox.visma.values import amount

ZERO = Decimal("0.00")


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if isinstance(out.get("Rows"), list):
        out["Rows"] = [_public(r) if isinstance(r, dict) else r for r in out["Rows"]]
    return out


def inspect_store(store: Store) -> dict[str, Any]:
    vouchers = store.all("vouchers")
    accounts: dict[str, dict[str, Any]] = {}
    names = {a["Number"]: a["Name"] for a in store.all("accounts")}
    items = {i["Id"]: i for i in store.all("costcenteritems")}
    centers = {c["Id"]: c for c in store.all("costcenters")}
    codes = {c["Id"]: c for c in store.all("vatcodes")}
    per_item: dict[str, dict[str, Any]] = {}
    per_code: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"base": ZERO, "vat": ZERO})
    per_month_code: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: {"base": ZERO, "vat": ZERO})
    )
    per_month_account: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: {"debit": ZERO, "credit": ZERO})
    )
    total_debit = total_credit = ZERO
    for voucher in vouchers:
        month = str(voucher.get("VoucherDate") or "")[:7]
        for row in voucher.get("Rows") or []:
            number = str(row["AccountNumber"])
            debit, credit = amount(row.get("DebitAmount")), amount(row.get("CreditAmount"))
            total_debit += debit
            total_credit += credit
            entry = accounts.setdefault(
                number, {"name": names.get(number), "debit": ZERO, "credit": ZERO}
            )
            entry["debit"] += debit
            entry["credit"] += credit
            monthly = per_month_account[month][number]
            monthly["debit"] += debit
            monthly["credit"] += credit
            for slot in (1, 2, 3):
                item_id = row.get(f"CostCenterItemId{slot}")
                if not item_id:
                    continue
                item = items.get(item_id, {})
                center = centers.get(item.get("CostCenterId"), {})
                bucket = per_item.setdefault(
                    item_id,
                    {
                        "name": item.get("Name"),
                        "short_name": item.get("ShortName"),
                        "cost_center": center.get("Number"),
                        "debit": ZERO,
                        "credit": ZERO,
                    },
                )
                bucket["debit"] += debit
                bucket["credit"] += credit
            code = codes.get(row.get("VatCodeId") or "")
            if code:
                related = (code.get("RelatedAccounts") or {}).get("AccountNumber1")
                part = "vat" if related and int(number) == int(related) else "base"
                per_code[code["Code"]][part] += credit - debit
                per_month_code[month][code["Code"]][part] += credit - debit
    monthly_accounts = {
        month: dict(sorted(by_account.items(), key=lambda kv: int(kv[0])))
        for month, by_account in sorted(per_month_account.items())
    }
    for bucket in [
        *accounts.values(),
        *per_item.values(),
        *(b for by_account in monthly_accounts.values() for b in by_account.values()),
    ]:
        bucket["balance"] = bucket["debit"] - bucket["credit"]
    vat_codes = {}
    for code in sorted(codes.values(), key=lambda c: c["Code"]):
        if code["Code"] in per_code:
            vat_codes[code["Code"]] = {
                "description": code["Description"],
                "rate": code["VatRate"],
                **per_code[code["Code"]],
            }
    collections = {
        "customers": "customers",
        "ledger_items": "customerledgeritems",
        "invoices": "customerinvoices",
        "drafts": "customerinvoicedrafts",
        "vouchers": "vouchers",
        "articles": "articles",
        "cost_center_items": "costcenteritems",
        "projects": "projects",
        "attachments": "attachments",
        "partner_resource_links": "partnerresourcelinks",
    }
    result: dict[str, Any] = {
        "company": (store.meta("company") or {}).get("Name"),
        "accounting_locked_to": (store.meta("company") or {}).get("AccountingLockedTo"),
        "counts": {name: len(store.all(coll)) for name, coll in collections.items()},
    }
    for name in ("customers", "ledger_items", "invoices", "drafts", "vouchers"):
        result[name] = [_public(d) for d in store.all(collections[name])]
    result["totals"] = {
        "accounts": dict(sorted(accounts.items(), key=lambda kv: int(kv[0]))),
        "cost_center_items": per_item,
        "vat_codes": vat_codes,
        "vat_codes_by_month": {
            month: dict(sorted(codes_of.items()))
            for month, codes_of in sorted(per_month_code.items())
        },
        "accounts_by_month": monthly_accounts,
        "debit": total_debit,
        "credit": total_credit,
        "balanced": total_debit == total_credit,
    }
    return result


def inspect_state(state_dir: Path) -> dict[str, Any]:
    """The inspection of the Visma state persisted under `state_dir` (empty if none)."""
    if not db_path(Path(state_dir)).exists():
        return {
            "company": None,
            "counts": {},
            "customers": [],
            "ledger_items": [],
            "invoices": [],
            "drafts": [],
            "vouchers": [],
            "totals": {
                "accounts": {},
                "cost_center_items": {},
                "vat_codes": {},
                "vat_codes_by_month": {},
                "accounts_by_month": {},
                "debit": 0,
                "credit": 0,
                "balanced": True,
            },
        }
    store = Store(Path(state_dir), readonly=True)
    try:
        return jsonable(inspect_store(store))
    finally:
        store.close()
