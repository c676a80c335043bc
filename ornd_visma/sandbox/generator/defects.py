"""Planted defects: the imperfect records real exports contain, at a seeded rate, each listed
in `defects.json` as `{collection, id, kind, detail}` so tests can assert it is caught."""

from decimal import Decimal

from ornd_visma.sandbox.generator.world import World, at

KINDS = (
    "missing_tax_rate",  # an invoice line without a tax rate
    "unknown_plan",  # an invoice line pointing at a plan that does not exist
    "unknown_revenue_account",  # an invoice line pointing at an unknown revenue account
    "foreign_currency",  # an invoice in EUR
    "negative_quantity",  # a fee with a negative quantity
    "missing_billing_details",  # a company without billing details
    "duplicate_id",  # two records with the same _id
    "malformed_date",  # a date that is not a date
    "long_unicode_name",  # unicode and a very long name
    "total_mismatch",  # an invoice whose lines do not add up to its total
)

LONG_NAME = "Ångström & Søn Œuvre Ærø — Kaffe ☕ och Kod 🚀 " * 8


def plant_defects(world: World, data: dict[str, list[dict]], rate: float) -> list[dict]:
    """Corrupt about `rate` x (invoices + fees + companies + members) records; each kind at
    least once. Returns the list written to `defects.json`."""
    if rate <= 0:
        return []
    rng = world.rng
    population = sum(len(data[name]) for name in ("payments", "fees", "companies", "members"))
    count = max(len(KINDS), round(rate * population))
    used: set[str] = set()
    planted = []
    invoices = [
        p for p in data["payments"] if p["documentType"] == "invoice" and p["status"] != "voided"
    ]

    def pick(records: list[dict]) -> dict:
        for _ in range(200):
            record = rng.choice(records)
            if record["_id"] not in used:
                used.add(record["_id"])
                return record
        raise ValueError("not enough records to plant defects in")

    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        collection, record, detail = _plant(kind, index, world, data, invoices, pick)
        planted.append(
            {"collection": collection, "id": record["_id"], "kind": kind, "detail": detail}
        )
    return planted


def _plant(kind, index, world, data, invoices, pick):
    rng = world.rng
    if kind == "missing_tax_rate":
        invoice = pick(invoices)
        line = rng.choice(invoice["lines"])
        line["taxRate"] = None
        return "payments", invoice, f"line {line['description']!r} has no taxRate"
    if kind in ("unknown_plan", "unknown_revenue_account"):
        invoice = pick(invoices)
        line = rng.choice(invoice["lines"])
        field = "plan" if kind == "unknown_plan" else "account"
        line[field] = world.ids.new(at(world.today))
        return "payments", invoice, f"line {line['description']!r} {field}={line[field]}"
    if kind == "foreign_currency":
        invoice = pick(invoices)
        invoice["currency"] = "EUR"
        return "payments", invoice, "currency EUR"
    if kind == "negative_quantity":
        fee = pick(data["fees"])
        fee["quantity"] = -abs(fee["quantity"]) or -1
        return "fees", fee, f"quantity {fee['quantity']}"
    if kind == "missing_billing_details":
        company = pick(data["companies"])
        company["billingDetails"] = None
        return "companies", company, "billingDetails is null"
    if kind == "duplicate_id":
        collection = ("members", "fees", "payments")[index // len(KINDS) % 3]
        original = pick(data[collection])
        # An export that caught the record twice, mid-edit: same id, a later version.
        field = "name" if "name" in original else "number"
        copy = dict(original, **{field: f"{original[field]} (edited)"})
        data[collection].append(copy)
        return collection, original, "the same _id appears twice"
    if kind == "malformed_date":
        if index // len(KINDS) % 2 == 0:
            fee = pick(data["fees"])
            fee["issueDate"] = "2026-02-30T00:00:00.000Z"
            return "fees", fee, "issueDate 2026-02-30"
        invoice = pick(invoices)
        invoice["dueDate"] = "31/09/2026"
        return "payments", invoice, "dueDate 31/09/2026"
    if kind == "long_unicode_name":
        company = pick(data["companies"])
        company["name"] = LONG_NAME + company["name"]
        return "companies", company, f"name of {len(company['name'])} characters"
    if kind == "total_mismatch":
        invoice = pick(invoices)
        invoice["total"] = Decimal(str(invoice["total"])) + Decimal("1.00")
        return "payments", invoice, "total is 1.00 more than lines + tax"
    raise ValueError(f"unknown defect kind {kind}")
