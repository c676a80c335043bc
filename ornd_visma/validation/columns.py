"""The typed columns of each staged table, and how each is read from an OfficeRnD record.

One table drives the frame builder, the pandera schema and the DuckDB DDL, so the three agree.
"""

from dataclasses import dataclass

DOCUMENT_TYPES = ("invoice", "creditNote", "overpayment", "paymentCharge")
PAYMENT_STATUSES = (
    "voided",
    "failed",
    "draft",
    "pending",
    "refunded",
    "paid",
    "awaiting_payment",
    "partially_paid",
)
CHARGE_STATUSES = ("pending", "fail", "success", "refund")
PASS_STATUSES = ("used", "valid", "expired", "pending")
PLAN_TYPES = ("Plan", "ResourceRate")
TAX_PERCENTS = (0, 6, 12, 25)

DUCKDB_TYPES = {
    "id": "VARCHAR",
    "str": "VARCHAR",
    "bool": "BOOLEAN",
    "int": "BIGINT",
    "money": "DECIMAL(18, 2)",
    "number": "DECIMAL(18, 4)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str  # snake_case column in staging
    source: str  # field of the API record (dotted for nested objects)
    kind: str  # a key of DUCKDB_TYPES
    required: bool = False
    isin: tuple | None = None
    ge: int | None = None  # value >= ge
    gt: int | None = None  # value > gt
    references: str | None = None  # the References attribute whose ids it must be among


def _c(name, source, kind="str", **kw) -> Column:
    return Column(name, source, kind, **kw)


def _common(*columns: Column) -> tuple[Column, ...]:
    return (
        _c("id", "_id", "id", required=True),
        *columns,
        _c("created_at", "createdAt", "timestamp"),
        _c("modified_at", "modifiedAt", "timestamp"),
    )


def _owner() -> tuple[Column, ...]:
    return (_c("company", "company", "id"), _c("member", "member", "id"))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "locations": _common(
        _c("name", "name", required=True),
        _c("code", "code"),
        _c("timezone", "timezone"),
        _c("is_open", "isOpen", "bool"),
    ),
    "floors": _common(
        _c("name", "name"),
        _c("location", "location", "id", required=True, references="locations"),
        _c("area_m2", "area", "number", ge=0),
    ),
    "resource-types": _common(_c("title", "title"), _c("type", "type", required=True)),
    "resources": _common(
        _c("name", "name", required=True),
        _c("type", "type", required=True),
        _c("location", "location", "id", required=True, references="locations"),
        _c("floor", "floor", "id", references="floors"),
        _c("price", "price", "money", ge=0),
        _c("size", "size", "int", ge=0),
        _c("desks_count", "desksCount", "int", ge=0),
        _c("area_mm2", "area", "int", ge=0),
        _c("rate", "rate", "id"),
    ),
    "assignments": _common(
        _c("resource", "resource", "id", required=True, references="resources"),
        _c("membership", "membership", "id", required=True),
        _c("start_date", "startDate", "date", required=True),
        _c("end_date", "endDate", "date"),
    ),
    "credits": _common(
        *_owner(),
        _c("membership", "membership", "id"),
        _c("fee", "fee", "id"),
        _c("interval_length", "intervalLength", isin=("month", "once")),
        _c("count", "count", "number", ge=0),
        _c("used_count", "usedCount", "number", ge=0),
        _c("valid_from", "validFrom", "date"),
        _c("valid_to", "validTo", "date"),
    ),
    "coins": _common(
        *_owner(),
        _c("membership", "membership", "id"),
        _c("interval_length", "intervalLength", isin=("month", "once")),
        _c("count", "count", "number", ge=0),
        _c("used_count", "usedCount", "number", ge=0),
        _c("valid_from", "validFrom", "date"),
        _c("valid_to", "validTo", "date"),
    ),
    "passes": _common(
        *_owner(),
        _c("fee", "fee", "id"),
        _c("count", "count", "number", ge=0),
        _c("used_count", "usedCount", "number", ge=0),
        _c("start_date", "startDate", "date", required=True),
        _c("end_date", "endDate", "date"),
        _c("status", "status", isin=PASS_STATUSES),
    ),
    "tax-rates": _common(
        _c("name", "name", required=True),
        _c("code", "code"),
        _c("type", "type"),
        _c("rate", "rate", "number", required=True, isin=TAX_PERCENTS),
    ),
    "revenue-accounts": _common(
        _c("name", "name", required=True),
        _c("code", "code"),
        _c("default_for", "defaultFor"),
        _c("tax_rate", "taxRate", "id", required=True, references="tax_rates"),
    ),
    "plans": _common(
        _c("name", "name", required=True),
        _c("code", "code"),
        _c("type", "type"),
        _c("price", "price", "money", required=True, ge=0),
        _c("interval_length", "intervalLength", isin=("once", "month", "hour", "day")),
        _c("interval_count", "intervalCount", "int", gt=0),
        _c("revenue_account", "revenueAccount", "id", references="revenue_accounts"),
    ),
    "resource-rates": _common(
        _c("name", "name", required=True),
        _c("code", "code"),
        _c("type", "type"),
        _c("price", "price", "money", required=True, ge=0),
        _c("interval_length", "intervalLength"),
        _c("revenue_account", "revenueAccount", "id", references="revenue_accounts"),
    ),
    "payments": _common(
        _c("number", "number", required=True),
        _c("document_type", "documentType", required=True, isin=DOCUMENT_TYPES),
        _c("date", "date", "date", required=True),
        _c("due_date", "dueDate", "date", required=True),
        *_owner(),
        _c("location", "location", "id", required=True, references="locations"),
        _c("currency", "currency", required=True),
        _c("tax_type", "taxType", isin=("included", "excluded", "noTax")),
        _c("sub_total", "subTotal", "money", required=True),
        _c("total", "total", "money", required=True),
        _c("payable_amount", "payableAmount", "money"),
        _c("status", "status", required=True, isin=PAYMENT_STATUSES),
    ),
    "charges": _common(
        _c("amount", "amount", "money", required=True),
        _c("currency", "currency"),
        _c("account", "account"),
        _c("date", "date", "date", required=True),
        _c("status", "status", required=True, isin=CHARGE_STATUSES),
        _c("payment", "payment", "id", required=True),
        _c("source", "source"),
    ),
    "companies": _common(
        _c("name", "name", required=True),
        _c("email", "email"),
        _c("location", "location", "id", references="locations"),
        _c("status", "status"),
        _c("vat_number", "billingDetails.vatNumber"),
        _c("registration_number", "billingDetails.registrationNumber"),
        _c("country", "address.country"),
        _c("start_date", "startDate", "date"),
    ),
    "members": _common(
        _c("name", "name", required=True),
        _c("email", "email"),
        _c("location", "location", "id", references="locations"),
        _c("company", "company", "id", references="companies"),
        _c("status", "status"),
        _c("is_billing_person", "isBillingPerson", "bool"),
        _c("start_date", "startDate", "date"),
    ),
    "memberships": _common(
        _c("name", "name"),
        *_owner(),
        _c("plan", "plan", "id", required=True, references="plans"),
        _c("location", "location", "id", required=True, references="locations"),
        _c("is_personal", "isPersonal", "bool"),
        _c("status", "status"),
        _c("calculated_status", "calculatedStatus"),
        _c("type", "type"),
        _c("start_date", "startDate", "date", required=True),
        _c("end_date", "endDate", "date"),
        _c("interval_count", "intervalCount", "int", gt=0),
        _c("price", "price", "money", required=True, ge=0),
        _c("discount_amount", "discountAmount", "money", ge=0),
        _c("contract", "contract", "id"),
    ),
    "contracts": _common(
        _c("number", "number"),
        *_owner(),
        _c("location", "location", "id", references="locations"),
        _c("start_date", "startDate", "date"),
        _c("end_date", "endDate", "date"),
        _c("status", "status"),
        _c("stage", "stage"),
    ),
    "fees": _common(
        _c("name", "name", required=True),
        _c("price", "price", "money", required=True, ge=0),
        _c("quantity", "quantity", "number", required=True, gt=0),
        *_owner(),
        _c("location", "location", "id", required=True, references="locations"),
        _c("plan", "plan", "id", references="plans_and_rates"),
        _c("plan_type", "planType", isin=PLAN_TYPES),
        _c("issue_date", "issueDate", "date", required=True),
        _c("should_bill_in_advance", "shouldBillInAdvance", "bool"),
        _c("is_refundable", "isRefundable", "bool"),
        _c("payment_id", "payment._id", "id"),
        _c("status", "status"),
    ),
    "bookings": _common(
        _c("start", "start", "timestamp", required=True),
        _c("end", "end", "timestamp"),
        _c("resource", "resource", "id", required=True, references="resources"),
        _c("location", "location", "id", required=True, references="locations"),
        *_owner(),
        _c("rate", "rate", "id"),
        _c("is_cancelled", "isCancelled", "bool"),
        _c("is_tentative", "isTentative", "bool"),
        _c("is_free", "isFree", "bool"),
        _c("is_accounted", "isAccounted", "bool"),
        _c("reference", "reference"),
    ),
    "checkins": _common(
        _c("start", "start", "timestamp", required=True),
        _c("end", "end", "timestamp"),
        _c("location", "location", "id", required=True, references="locations"),
        *_owner(),
        _c("pass_id", "pass", "id"),
        _c("resource_type", "resourceType"),
    ),
    "business-hours": _common(_c("location", "location", "id", references="locations")),
}


def ddl(collection: str, schema: str) -> str:
    """`CREATE TABLE IF NOT EXISTS <schema>.<table>` with the typed columns and `payload`."""
    table = collection.replace("-", "_")
    columns = ",\n    ".join(f'"{c.name}" {DUCKDB_TYPES[c.kind]}' for c in COLUMNS[collection])
    return f"CREATE TABLE IF NOT EXISTS {schema}.{table} (\n    {columns},\n    payload VARCHAR\n)"


TYPED_COLUMNS: dict[str, dict[str, str]] = {
    name: {c.name: DUCKDB_TYPES[c.kind] for c in columns} for name, columns in COLUMNS.items()
}
