"""The rules that make the Visma simulator's answers match the OpenAPI document, tested
directly: answer shaping (`shape`), query parameter types (`params`) and methods (`methods`,
over HTTP)."""

from collections.abc import Iterator

import httpx
import pytest

from ornd_visma.sandbox.visma import VismaOptions
from ornd_visma.sandbox.visma.params import accepts
from ornd_visma.sandbox.visma.shape import NIL_UUID, complete, date_time_text
from tests.sandbox.visma_fixtures import Company, harness

# --- shape ---------------------------------------------------------------------------------


def test_dates_are_written_as_rfc3339_utc() -> None:
    assert date_time_text("2026-05-25T00:00:00") == "2026-05-25T00:00:00Z"
    assert date_time_text("2026-05-25") == "2026-05-25T00:00:00Z"
    # 11:00:16.123 at +02:00 is 09:00:16.123 UTC
    assert date_time_text("2026-06-15T11:00:16.123+02:00") == "2026-06-15T09:00:16.123Z"
    assert date_time_text("2024-01-01T00:00:00.000Z") == "2024-01-01T00:00:00Z"


def test_a_ref_object_is_an_object_never_null() -> None:
    settings = complete("CompanySettingsApi", {"Name": "AB", "CompanyText": None})
    assert settings["Name"] == "AB"
    # CompanyTextsApi has 14 nullable strings: all null, none left out
    assert len(settings["CompanyText"]) == 14
    assert set(settings["CompanyText"].values()) == {None}
    for name in ("CompanyScanningAddress", "AutoInvoice", "ApprovalSettings"):
        assert isinstance(settings[name], dict), name
    margin = complete("CustomerInvoiceApi", {})["ContributionMargin"]
    assert margin == {"Amount": None, "Percentage": None}


def test_non_nullable_defaults_are_the_dotnet_ones() -> None:
    link = complete("AttachmentLinkApi", {})
    assert link == {"DocumentId": NIL_UUID, "DocumentType": 0, "AttachmentIds": []}
    debit = complete("CustomerApi", {})["DirectDebitCustomerSettings"]
    # "Possible values: 1 = Core, 2 = B2B" has no 0: the first listed value
    assert debit["MandateType"] == 1
    assert debit["SigningDate"] is None  # nullable date-time


def test_properties_beyond_a_closed_schema_are_left_out() -> None:
    row = complete(
        "CustomerInvoiceDraftRowApi",
        {"Text": "Desk", "IsVatFree": True, "PercentVat": 0.25, "AmountNoVat": 100, "_Account": 1},
    )
    assert row["Text"] == "Desk"
    assert not {"IsVatFree", "PercentVat", "AmountNoVat", "_Account"} & row.keys()
    invoice_row = complete(
        "CustomerInvoiceRowApi",
        {"ReversedConstructionServicesVatFree": False, "UnitName": "st", "VatRateId": NIL_UUID},
    )
    assert not {"ReversedConstructionServicesVatFree", "UnitName", "VatRateId"} & invoice_row.keys()


# --- params -------------------------------------------------------------------------------


def test_query_values_bind_to_their_declared_type() -> None:
    boolean = {"type": "boolean"}
    assert accepts(boolean, "true") and accepts(boolean, "False")
    assert not any(accepts(boolean, text) for text in ("1", "0", "null", ""))
    uuid = {"type": "string", "format": "uuid"}
    assert accepts(uuid, "e3e70682-c209-1cac-a29f-6fbed82c07cd")
    assert not accepts(uuid, "e3e70682")
    moment = {"type": "string", "format": "date-time"}
    assert accepts(moment, "2026-05-25") and accepts(moment, "2026-05-25T10:00:00Z")
    assert not accepts(moment, "") and not accepts(moment, "yesterday")
    int32 = {"type": "integer", "format": "int32"}
    assert accepts(int32, "-2147483648") and not accepts(int32, "2147483648")  # 2**31
    assert accepts({"type": "string"}, "")


# --- over HTTP ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[httpx.Client]:
    with harness(tmp_path_factory.mktemp("visma-conformance"), VismaOptions()) as sim:
        yield sim.client()


def test_options_and_405_list_the_methods_served(api: httpx.Client) -> None:
    customer = Company(api).customer()
    options = api.options(f"/customers/{customer['Id']}")
    assert (options.status_code, options.headers["allow"]) == (200, "GET, PUT, DELETE")
    patch = api.patch(f"/customers/{customer['Id']}", json={})
    assert (patch.status_code, patch.headers["allow"]) == (405, "GET, PUT, DELETE")
    expected = "The requested resource does not support http method 'PATCH'."
    assert patch.json() == {"Message": expected}
    # one URL, two templates in the document: GET {invoiceDraftId}, PUT/DELETE the other
    draft = api.options("/customerinvoicedrafts/e3e70682-c209-1cac-a29f-6fbed82c07cd")
    assert draft.headers["allow"] == "GET, PUT, DELETE"
    assert api.head("/customers").status_code == 405


def test_a_literal_path_not_simulated_is_not_taken_for_a_parameter(api: httpx.Client) -> None:
    answer = api.get("/accounts/standardaccounts")
    assert (answer.status_code, answer.json()["ErrorCode"]) == (404, 3000)
    ledger = api.get("/customerledgeritems/customerledgeritemswithvoucher")
    assert (ledger.status_code, ledger.headers["allow"]) == (405, "POST")


def test_query_parameters_are_checked_by_type(api: httpx.Client) -> None:
    flag = api.get("/articles", params={"showPricesWithTwoDecimals": "null"})
    assert (flag.status_code, flag.json()["ErrorCode"]) == (400, 6000)
    assert flag.json()["Errors"][0]["Field"] == "showPricesWithTwoDecimals"
    attachments = api.get("/attachments", params={"includeTemporaryUrl": ""})
    assert (attachments.status_code, attachments.json()["ErrorCode"]) == (400, 6000)
    since = api.get("/customerinvoices", params={"modifiedSinceUtc": ""})
    assert (since.status_code, since.json()["ErrorCode"]) == (400, 6001)
    # names bind case-insensitively, values as bool.Parse reads them
    assert api.get("/articles", params={"SHOWPRICESWITHTWODECIMALS": "TRUE"}).status_code == 200
    assert api.get("/customerinvoices", params={"modifiedSinceUtc": "2026-06-01"}).is_success
