"""A table of invalid payloads and the exact ErrorCode the Visma simulator answers each with
(and that nothing was stored). Valid bodies are built from the seeded company's ids."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.sandbox.visma_fixtures import Company, Harness, draft_body, harness, ok, row, text_row

UNKNOWN = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

Ids = dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Harness, httpx.Client, Ids]]:
    with harness(tmp_path_factory.mktemp("visma-validation")) as sim:
        api = sim.client()
        company = Company(api)
        customer = company.customer(CustomerNumber="C-DUP")
        article = company.article(number="ART-DUP", price=100)
        active = company.item(1, "ACTIVE")
        inactive = company.item(1, "OFF", active=False)
        second = company.item(2, "DIM2")
        ids = {
            "terms": company.terms,
            "customer": customer,
            "article": article,
            "coding": company.codings["Tjänster 25 %"],
            "unit": company.unit,
            "item": active["Id"],
            "inactive_item": inactive["Id"],
            "item2": second["Id"],
        }
        yield sim, api, ids


def customer(ids: Ids, **over: Any) -> dict[str, Any]:
    body = {
        "Name": "Ny Kund AB",
        "InvoiceCity": "Göteborg",
        "InvoicePostalCode": "41101",
        "IsActive": True,
        "IsPrivatePerson": False,
        "TermsOfPaymentId": ids["terms"],
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def article(ids: Ids, **over: Any) -> dict[str, Any]:
    body = {
        "Number": "NEW-1",
        "Name": "Ny artikel",
        "IsActive": True,
        "CodingId": ids["coding"],
        "UnitId": ids["unit"],
        "NetPrice": 10,
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def voucher(ids: Ids, rows: list[dict[str, Any]] | None = None, **over: Any) -> dict[str, Any]:
    body = {
        "VoucherDate": "2026-06-10",
        "VoucherText": "Test",
        "Rows": rows
        if rows is not None
        else [
            {"AccountNumber": 1930, "DebitAmount": 100},
            {"AccountNumber": 3001, "CreditAmount": 100},
        ],
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def ledger(ids: Ids, voucher_over: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    body = {
        "CustomerId": ids["customer"]["Id"],
        "InvoiceNumber": 1001,
        "CurrencyCode": "SEK",
        "IsCreditInvoice": False,
        "TotalAmountInvoiceCurrency": 125,
        "VATAmountInvoiceCurrency": 25,
        "RemainingAmountInvoiceCurrency": 125,
        "InvoiceDate": "2026-06-10",
        "Voucher": voucher(
            ids,
            [
                {"AccountNumber": 1510, "DebitAmount": 125},
                {"AccountNumber": 3001, "CreditAmount": 100},
                {"AccountNumber": 2611, "CreditAmount": 25},
            ],
            **(voucher_over or {}),
        ),
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def draft(ids: Ids, rows: list[dict[str, Any]] | None = None, **over: Any) -> dict[str, Any]:
    body = draft_body(ids["customer"], rows if rows is not None else [row(ids["article"])])
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def article_row(ids: Ids, **over: Any) -> dict[str, Any]:
    body = row(ids["article"])
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


Case = tuple[str, str, Callable[[Ids], Any], int, str | None]

CASES: list[Case] = [
    # customers
    ("customer without Name", "/customers", lambda i: customer(i, Name=...), 2000, "Name"),
    ("customer Name over 50", "/customers", lambda i: customer(i, Name="x" * 51), 2000, "Name"),
    (
        "customer postal code over 10",
        "/customers",
        lambda i: customer(i, InvoicePostalCode="12345678901"),
        2000,
        "InvoicePostalCode",
    ),
    (
        "customer IsActive as text",
        "/customers",
        lambda i: customer(i, IsActive="yes"),
        2000,
        "IsActive",
    ),
    (
        "customer IsPrivatePerson null",
        "/customers",
        lambda i: customer(i, IsPrivatePerson=None),
        2000,
        "IsPrivatePerson",
    ),
    (
        "customer terms not a uuid",
        "/customers",
        lambda i: customer(i, TermsOfPaymentId="30-days"),
        2000,
        "TermsOfPaymentId",
    ),
    (
        "customer unknown terms",
        "/customers",
        lambda i: customer(i, TermsOfPaymentId=UNKNOWN),
        3000,
        "TermsOfPaymentId",
    ),
    (
        "customer number over 16",
        "/customers",
        lambda i: customer(i, CustomerNumber="1" * 17),
        2000,
        "CustomerNumber",
    ),
    (
        "customer duplicate number",
        "/customers",
        lambda i: customer(i, CustomerNumber="C-DUP"),
        4000,
        "CustomerNumber",
    ),
    (
        "customer malformed VAT number",
        "/customers",
        lambda i: customer(i, VatNumber="SE12", InvoiceCountryCode="SE"),
        4025,
        "VatNumber",
    ),
    (
        "customer unknown currency",
        "/customers",
        lambda i: customer(i, CurrencyCode="XYZ"),
        2000,
        "CurrencyCode",
    ),
    (
        "customer currency over 3",
        "/customers",
        lambda i: customer(i, CurrencyCode="SEKR"),
        2000,
        "CurrencyCode",
    ),
    (
        "customer PropertyType outside the possible values",
        "/customers",
        lambda i: customer(i, PropertyType=3),
        2000,
        "PropertyType",
    ),
    (
        "customer discount with 5 decimals",
        "/customers",
        lambda i: customer(i, DiscountPercentage=0.12345),
        2000,
        "DiscountPercentage",
    ),
    (
        "customer ForceBookkeepVat in the EU",
        "/customers",
        lambda i: customer(i, InvoiceCountryCode="DE", ForceBookkeepVat=True),
        4035,
        "ForceBookkeepVat",
    ),
    ("customer body is a list", "/customers", lambda i: [customer(i)], 2000, None),
    # articles
    ("article without CodingId", "/articles", lambda i: article(i, CodingId=...), 2000, "CodingId"),
    (
        "article unknown coding",
        "/articles",
        lambda i: article(i, CodingId=UNKNOWN),
        3000,
        "CodingId",
    ),
    ("article unknown unit", "/articles", lambda i: article(i, UnitId=UNKNOWN), 3000, "UnitId"),
    (
        "article price with 3 decimals",
        "/articles",
        lambda i: article(i, NetPrice=10.123),
        2000,
        "NetPrice",
    ),
    ("article negative price", "/articles", lambda i: article(i, NetPrice=-1), 2000, "NetPrice"),
    ("article Number over 40", "/articles", lambda i: article(i, Number="N" * 41), 2000, "Number"),
    (
        "article duplicate Number",
        "/articles",
        lambda i: article(i, Number="ART-DUP"),
        4000,
        "Number",
    ),
    # vouchers
    (
        "voucher without VoucherText",
        "/vouchers",
        lambda i: voucher(i, VoucherText=...),
        2000,
        "VoucherText",
    ),
    (
        "voucher unbalanced by one öre",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100.01},
                {"AccountNumber": 3001, "CreditAmount": 100},
            ],
        ),
        2000,
        "Rows",
    ),
    (
        "voucher amount with 3 decimals",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100.005},
                {"AccountNumber": 3001, "CreditAmount": 100.005},
            ],
        ),
        2000,
        "Rows[0].DebitAmount",
    ),
    (
        "voucher negative credit",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": -100},
                {"AccountNumber": 3001, "CreditAmount": -100},
            ],
        ),
        2000,
        "Rows[0].DebitAmount",
    ),
    (
        "voucher unknown account",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100},
                {"AccountNumber": 9999, "CreditAmount": 100},
            ],
        ),
        3002,
        "Rows[1].AccountNumber",
    ),
    (
        "voucher outside every fiscal year",
        "/vouchers",
        lambda i: voucher(i, VoucherDate="2031-01-02"),
        3001,
        "VoucherDate",
    ),
    (
        "voucher row with debit and credit",
        "/vouchers",
        lambda i: voucher(i, [{"AccountNumber": 1930, "DebitAmount": 100, "CreditAmount": 100}]),
        2000,
        "Rows[0].DebitAmount",
    ),
    (
        "voucher row without account",
        "/vouchers",
        lambda i: voucher(i, [{"DebitAmount": 100}, {"AccountNumber": 3001, "CreditAmount": 100}]),
        2000,
        "Rows[0].AccountNumber",
    ),
    (
        "voucher account number 0",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 0, "DebitAmount": 100},
                {"AccountNumber": 3001, "CreditAmount": 100},
            ],
        ),
        2000,
        "Rows[0].AccountNumber",
    ),
    (
        "voucher transaction text over 60",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100, "TransactionText": "t" * 61},
                {"AccountNumber": 3001, "CreditAmount": 100},
            ],
        ),
        2000,
        "Rows[0].TransactionText",
    ),
    (
        "voucher type outside the possible values",
        "/vouchers",
        lambda i: voucher(i, VoucherType=3),
        2000,
        "VoucherType",
    ),
    (
        "voucher impossible date",
        "/vouchers",
        lambda i: voucher(i, VoucherDate="2026-02-30"),
        2000,
        "VoucherDate",
    ),
    ("voucher without rows", "/vouchers", lambda i: voucher(i, []), 2000, "Rows"),
    (
        "voucher with only zero amounts",
        "/vouchers",
        lambda i: voucher(
            i,
            [{"AccountNumber": 1930, "DebitAmount": 0}, {"AccountNumber": 3001, "CreditAmount": 0}],
        ),
        2000,
        "Rows",
    ),
    (
        "voucher unknown cost center item",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100},
                {"AccountNumber": 3001, "CreditAmount": 100, "CostCenterItemId1": UNKNOWN},
            ],
        ),
        3000,
        "Rows[1].CostCenterItemId1",
    ),
    (
        "voucher inactive cost center item",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100},
                {
                    "AccountNumber": 3001,
                    "CreditAmount": 100,
                    "CostCenterItemId1": i["inactive_item"],
                },
            ],
        ),
        5006,
        "Rows[1].CostCenterItemId1",
    ),
    (
        "voucher item of dimension 2 in slot 1",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100},
                {"AccountNumber": 3001, "CreditAmount": 100, "CostCenterItemId1": i["item2"]},
            ],
        ),
        2000,
        "Rows[1].CostCenterItemId1",
    ),
    (
        "voucher cost center on a balance account",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100, "CostCenterItemId1": i["item"]},
                {"AccountNumber": 3001, "CreditAmount": 100},
            ],
        ),
        2000,
        "Rows[0].CostCenterItemId1",
    ),
    (
        "voucher unknown project",
        "/vouchers",
        lambda i: voucher(
            i,
            [
                {"AccountNumber": 1930, "DebitAmount": 100},
                {"AccountNumber": 3001, "CreditAmount": 100, "ProjectId": UNKNOWN},
            ],
        ),
        3000,
        "Rows[1].ProjectId",
    ),
    (
        "voucher unknown attachment",
        "/vouchers",
        lambda i: voucher(i, Attachments={"DocumentType": 3, "AttachmentIds": [UNKNOWN]}),
        3000,
        "Attachments.AttachmentIds[0]",
    ),
    # customer ledger items with voucher
    (
        "ledger item without Voucher",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, Voucher=...),
        2000,
        "Voucher",
    ),
    (
        "ledger item with a null Voucher",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, Voucher=None),
        2000,
        "Voucher",
    ),
    (
        "ledger item unknown customer",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, CustomerId=UNKNOWN),
        3000,
        "CustomerId",
    ),
    (
        "ledger item total with 3 decimals",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, TotalAmountInvoiceCurrency=125.001),
        2000,
        "TotalAmountInvoiceCurrency",
    ),
    (
        "ledger item total above the maximum",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, TotalAmountInvoiceCurrency=100000000),
        2000,
        "TotalAmountInvoiceCurrency",
    ),
    (
        "ledger credit item with a positive total",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, IsCreditInvoice=True),
        2000,
        "TotalAmountInvoiceCurrency",
    ),
    (
        "ledger item currency over 3",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, CurrencyCode="SEKR"),
        2000,
        "CurrencyCode",
    ),
    (
        "ledger item invoice number as text",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, InvoiceNumber="1001"),
        2000,
        "InvoiceNumber",
    ),
    (
        "ledger item remaining above total",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, RemainingAmountInvoiceCurrency=200),
        2000,
        "RemainingAmountInvoiceCurrency",
    ),
    (
        "ledger item unbalanced voucher",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(
            i,
            Voucher=voucher(
                i,
                [
                    {"AccountNumber": 1510, "DebitAmount": 125},
                    {"AccountNumber": 3001, "CreditAmount": 100},
                ],
            ),
        ),
        2000,
        "Voucher.Rows",
    ),
    (
        "ledger item voucher on a missing account",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(
            i,
            Voucher=voucher(
                i,
                [
                    {"AccountNumber": 1510, "DebitAmount": 125},
                    {"AccountNumber": 3999, "CreditAmount": 125},
                ],
            ),
        ),
        3002,
        "Voucher.Rows[1].AccountNumber",
    ),
    (
        "ledger item voucher without text",
        "/customerledgeritems/customerledgeritemswithvoucher",
        lambda i: ledger(i, voucher_over={"VoucherText": ...}),
        2000,
        "Voucher.VoucherText",
    ),
    (
        "ledger item with unknown voucher",
        "/customerledgeritems",
        lambda i: {**ledger(i, Voucher=...), "VoucherId": UNKNOWN},
        3000,
        "VoucherId",
    ),
    # customer invoice drafts
    (
        "draft without CustomerId",
        "/customerinvoicedrafts",
        lambda i: draft(i, CustomerId=...),
        2000,
        "CustomerId",
    ),
    (
        "draft unknown customer",
        "/customerinvoicedrafts",
        lambda i: draft(i, CustomerId=UNKNOWN),
        3000,
        "CustomerId",
    ),
    (
        "draft ROT type outside the enum",
        "/customerinvoicedrafts",
        lambda i: draft(i, RotReducedInvoicingType=3),
        2000,
        "RotReducedInvoicingType",
    ),
    (
        "draft row without ArticleId",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, ArticleId=...)]),
        2000,
        "Rows[0].ArticleId",
    ),
    (
        "draft row unknown article",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, ArticleId=UNKNOWN)]),
        3000,
        "Rows[0].ArticleId",
    ),
    (
        "draft row without IsTextRow",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, IsTextRow=...)]),
        2000,
        "Rows[0].IsTextRow",
    ),
    (
        "draft quantity with 3 decimals",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, Quantity=1.234)]),
        2000,
        "Rows[0].Quantity",
    ),
    (
        "draft unit price with 3 decimals",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, UnitPrice=10.125)]),
        2000,
        "Rows[0].UnitPrice",
    ),
    (
        "draft discount above 100 %",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, DiscountPercentage=1.5)]),
        2000,
        "Rows[0].DiscountPercentage",
    ),
    (
        "draft credit invoice with a positive total",
        "/customerinvoicedrafts",
        lambda i: draft(i, IsCreditInvoice=True),
        2000,
        "Rows",
    ),
    (
        "draft text row without text",
        "/customerinvoicedrafts",
        lambda i: draft(i, [text_row("")]),
        2000,
        "Rows[0].Text",
    ),
    (
        "draft OurReference over 100",
        "/customerinvoicedrafts",
        lambda i: draft(i, OurReference="r" * 101),
        2000,
        "OurReference",
    ),
    (
        "draft unknown cost center item",
        "/customerinvoicedrafts",
        lambda i: draft(i, [article_row(i, CostCenterItemId1=UNKNOWN)]),
        3000,
        "Rows[0].CostCenterItemId1",
    ),
    # customer invoices
    ("invoice without Rows", "/customerinvoices", lambda i: draft(i, Rows=...), 2000, "Rows"),
    (
        "invoice debit with a negative total",
        "/customerinvoices",
        lambda i: draft(i, [article_row(i, Quantity=-1, IsTextRow=...)]),
        2000,
        "IsCreditInvoice",
    ),
    (
        "invoice outside every fiscal year",
        "/customerinvoices",
        lambda i: draft(i, InvoiceDate="2031-03-01"),
        3001,
        "InvoiceDate",
    ),
    # other resources
    (
        "cost center item unknown cost center",
        "/costcenteritems",
        lambda i: {"CostCenterId": UNKNOWN, "Name": "X", "ShortName": "X", "IsActive": True},
        3000,
        "CostCenterId",
    ),
    (
        "cost center item ShortName over 9",
        "/costcenteritems",
        lambda i: {"CostCenterId": UNKNOWN, "Name": "X", "ShortName": "X" * 10, "IsActive": True},
        2000,
        "ShortName",
    ),
    (
        "project Number over 9",
        "/projects",
        lambda i: {"Number": "P" * 10, "Name": "X", "Status": 1},
        2000,
        "Number",
    ),
    (
        "project status outside the possible values",
        "/projects",
        lambda i: {"Number": "P1", "Name": "X", "Status": 7},
        2000,
        "Status",
    ),
    (
        "partner link to an unknown customer",
        "/partnerresourcelinks",
        lambda i: {
            "ResourceId": UNKNOWN,
            "ResourceType": 1,
            "Href": "http://x",
            "PartnerCompanyName": "Co",
            "PartnerSystemName": "ORND",
        },
        3000,
        "ResourceId",
    ),
    (
        "attachment with an unsupported type",
        "/attachments",
        lambda i: {"ContentType": "text/plain", "FileName": "a.txt", "Data": "aGk="},
        2000,
        "ContentType",
    ),
]


@pytest.mark.parametrize(
    ("path", "build", "code", "field"), [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_invalid_payload_gets_its_error_code(world, path, build, code, field):
    sim, api, ids = world
    before = sim.admin("GET", "state").json()["counts"]
    response = api.post(path, json=build(ids))
    body = response.json()
    assert response.status_code == 400, response.text
    assert body["ErrorCode"] == code, body
    assert set(body) == {"ErrorCode", "DeveloperErrorMessage", "ErrorId", "Errors"}
    assert len(body["ErrorId"]) == 36
    if field is not None:
        assert field in [e["Field"] for e in body["Errors"]], body["Errors"]
    for entry in body["Errors"]:
        assert set(entry) == {"Field", "ErrorCode", "Message", "Key"}
    assert sim.admin("GET", "state").json()["counts"] == before


def test_not_json_is_2000(world):
    _, api, _ = world
    response = api.post(
        "/customers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["ErrorCode"] == 2000


def test_malformed_id_in_the_url_is_2000_and_unknown_one_404(world):
    _, api, _ = world
    assert api.get("/customers/not-a-guid").json()["ErrorCode"] == 2000
    missing = api.get(f"/customers/{UNKNOWN}")
    assert missing.status_code == 404 and missing.json()["ErrorCode"] == 3000


def test_credit_invoice_error_names_the_visma_key(world):
    _, api, ids = world
    response = api.post("/customerinvoicedrafts", json=draft(ids, IsCreditInvoice=True))
    keys = [e["Key"] for e in response.json()["Errors"]]
    assert "CustomerInvoiceValidationTotalAmountNotAllowedToBeZeroOrMore" in keys


def test_read_only_and_unknown_fields_are_ignored(world):
    _, api, ids = world
    body = customer(
        ids,
        CustomerNumber="RO-1",
        Id=UNKNOWN,
        ChangedUtc="2000-01-01",
        UnpaidInvoicesAmount=999,
        SomethingElse="x",
    )
    created = ok(api.post("/customers", json=body))
    assert created["Id"] != UNKNOWN
    assert created["UnpaidInvoicesAmount"] == 0 and "SomethingElse" not in created
    assert not created["ChangedUtc"].startswith("2000")


def test_read_only_fields_are_still_type_checked(world):
    _, api, ids = world
    response = api.post("/customers", json=customer(ids, Id="not-a-uuid"))
    assert response.json()["ErrorCode"] == 2000
