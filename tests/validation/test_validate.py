"""Validation on hand-made records: each problem caught with its named check, good records
untouched, and every record in exactly one place."""

from decimal import Decimal

import duckdb
import pytest

from ornd_visma.validation import References, ddl, validate

RATE25, RATE12, RATE6 = "a" * 23 + "1", "a" * 23 + "2", "a" * 23 + "3"
ACCOUNT, PLAN, LOCATION = "b" * 24, "c" * 24, "d" * 24
REFS = References(
    locations=frozenset({LOCATION}),
    tax_rates={RATE25: Decimal(25), RATE12: Decimal(12), RATE6: Decimal(6)},
    revenue_accounts=frozenset({ACCOUNT}),
    plans=frozenset({PLAN}),
)


def line(net: str, rate: str, percent: int, vat: str, **changes) -> dict:
    return {
        "description": "Hot desk",
        "quantity": 1,
        "account": ACCOUNT,
        "plan": PLAN,
        "location": LOCATION,
        "taxRate": rate,
        "taxPercent": percent,
        "subTotal": Decimal(net),
        "taxAmount": Decimal(vat),
        **changes,
    }


def invoice(oid: str, lines: list[dict], **changes) -> dict:
    net = sum(Decimal(str(li["subTotal"])) for li in lines)
    taxes: dict[str, Decimal] = {}
    for li in lines:
        taxes[li["taxRate"]] = taxes.get(li["taxRate"], Decimal(0)) + li["taxAmount"]
    return {
        "_id": oid,
        "number": f"INV-{oid[-3:]}",
        "documentType": "invoice",
        "date": "2026-09-01T00:00:00.000Z",
        "dueDate": "2026-10-01T00:00:00.000Z",
        "location": LOCATION,
        "currency": "SEK",
        "status": "paid",
        "lines": lines,
        "taxAmounts": [{"taxRate": r, "total": t} for r, t in taxes.items()],
        "subTotal": net,
        "total": net + sum(taxes.values()),
        **changes,
    }


def mixed() -> list[dict]:
    # 2495.00 at 25 % = 623.75; 447.50 at 12 % = 53.70; 250.00 at 6 % = 15.00.
    return [
        line("2495.00", RATE25, 25, "623.75"),
        line("447.50", RATE12, 12, "53.70"),
        line("250.00", RATE6, 6, "15.00"),
    ]


def test_a_mixed_vat_invoice_is_valid_to_the_ore():
    doc = invoice("e" * 24, mixed())
    assert doc["total"] == Decimal("3884.95")  # 3192.50 + 692.45
    result = validate("payments", [doc], REFS)
    assert result.quarantined_records == 0
    assert result.valid.loc[0, "total"] == Decimal("3884.95")


@pytest.mark.parametrize(
    ("doc", "check"),
    [
        (invoice("f" * 24, [line("100.00", None, 25, "25.00")]), "line_tax_rate_present"),
        (
            invoice("f" * 24, [line("100.00", RATE25, 25, "25.00", account="9" * 24)]),
            "line_revenue_account_exists",
        ),
        (
            invoice("f" * 24, [line("100.00", RATE25, 25, "25.00", plan="9" * 24)]),
            "line_plan_exists",
        ),
        (invoice("f" * 24, mixed(), currency="EUR"), "currency_is_base"),
        (invoice("f" * 24, mixed(), dueDate="31/09/2026"), "due_date_readable"),
        (invoice("f" * 24, mixed(), total=Decimal("3884.96")), "document_totals"),  # 1 öre
        (invoice("f" * 24, [line("100.00", RATE25, 25, "25.01")]), "line_amounts"),
        (invoice("f" * 24, [line("100.00", RATE25, 12, "12.00")]), "line_tax_percent_matches_rate"),
        (invoice("f" * 24, mixed(), documentType="receipt"), "document_type_allowed_value"),
    ],
)
def test_each_invoice_problem_is_caught_with_its_check(doc, check):
    good = invoice("e" * 24, mixed())
    result = validate("payments", [good, doc], REFS)
    assert list(result.valid["id"]) == ["e" * 24]
    assert result.quarantined_records == 1
    assert check in set(result.quarantined["check"])
    assert all(
        doc["number"] in reason or doc["_id"] in reason for reason in result.quarantined["reason"]
    )


def fee(oid: str, **changes) -> dict:
    return {
        "_id": oid,
        "name": "Printing",
        "price": 150,
        "quantity": 2,
        "location": LOCATION,
        "plan": PLAN,
        "planType": "Plan",
        "issueDate": "2026-09-03T00:00:00.000Z",
        **changes,
    }


def test_fee_problems_and_a_duplicated_id():
    records = [
        fee("1" * 24),
        fee("2" * 24, quantity=-2),
        fee("3" * 24, issueDate="2026-02-30"),
        fee("4" * 24),
        fee("4" * 24, name="Printing (edited)"),
    ]
    result = validate("fees", records, REFS)
    assert list(result.valid["id"]) == ["1" * 24]
    by_record = result.quarantined_per_record()
    assert list(by_record["record_id"]) == ["2" * 24, "3" * 24, "4" * 24, "4" * 24]
    assert list(by_record["check"]) == [
        "quantity_in_range",
        "issue_date_readable",
        "unique_id",
        "unique_id",
    ]
    assert len(result.valid) + result.quarantined_records == len(records)


def test_company_without_billing_details_is_held_and_long_unicode_names_pass():
    long_name = "Ångström & Søn Œuvre 🚀 " * 12
    companies = [
        {"_id": "5" * 24, "name": long_name, "billingDetails": {"vatNumber": "SE5560000000001"}},
        {"_id": "6" * 24, "name": "Utan Fakturaadress AB", "billingDetails": None},
    ]
    result = validate("companies", companies, REFS)
    assert list(result.valid["name"]) == [long_name]
    assert list(result.quarantined["check"]) == ["billing_details_present"]


def test_staging_ddl_keeps_money_exact():
    result = validate("payments", [invoice("e" * 24, mixed())], REFS)
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA staging")
    conn.execute(ddl("payments", "staging"))
    conn.register("valid", result.valid)
    conn.execute("INSERT INTO staging.payments BY NAME SELECT * FROM valid")
    total, sub_total = conn.execute("SELECT total, sub_total FROM staging.payments").fetchall()[0]
    assert (total, sub_total) == (Decimal("3884.95"), Decimal("3192.50"))
