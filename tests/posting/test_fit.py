"""Text fields fitted to Visma's OpenAPI document: cleaned, cut to maxLength, the tag kept."""

from ornd_visma.posting.fit import fit, schema_for


def test_customer_fields_are_cleaned_and_cut_to_the_documented_lengths():
    hostile = "Acme\r\nAB\t\x1b[31m \u202eevil\u202c " + "x" * 80
    body, changes = fit(
        {
            "Name": hostile,
            "InvoiceCity": "Malmö\n",
            "InvoicePostalCode": "211 45",
            "IsActive": True,
        },
        "CustomerApi",
    )
    # CustomerApi.Name has maxLength 50: "Acme AB [31m evil " is 18 characters, + 32 x
    assert body["Name"] == "Acme AB [31m evil " + "x" * 32
    assert len(body["Name"]) == 50
    assert body["InvoiceCity"] == "Malmö" and body["IsActive"] is True
    assert body["InvoicePostalCode"] == "211 45"  # unchanged: not listed
    assert changes == [
        "Name: control characters, line breaks or extra spaces removed",
        "Name: cut to 50 characters",
        "InvoiceCity: control characters, line breaks or extra spaces removed",
    ]


def test_a_voucher_text_keeps_its_tag_and_rows_are_cut_to_60():
    tag = "[ornd L-6a66c9b000f03cbb66eb2c44-0123456789ab]"
    payload = {
        "Voucher": {
            "VoucherText": "Kundfaktura 000101-STH " + "N" * 1200 + " " + tag,
            "Rows": [{"AccountNumber": 1510, "TransactionText": "T" * 70, "DebitAmount": 1}],
        },
        "CostCenterShortName1": "STH\n",
    }
    body, changes = fit(payload, schema_for("ledger_item", payload))
    text = body["Voucher"]["VoucherText"]
    assert len(text) <= 1000 and text.endswith(" " + tag)
    assert text.startswith("Kundfaktura 000101-STH NNN")
    assert body["Voucher"]["Rows"][0]["TransactionText"] == "T" * 60
    assert body["CostCenterShortName1"] == "STH"  # not in the document: cleaned, not cut
    assert changes == [
        "Voucher.VoucherText: cut to 1000 characters",
        "Voucher.Rows[0].TransactionText: cut to 60 characters",
        "CostCenterShortName1: control characters, line breaks or extra spaces removed",
    ]


def test_reversals_take_the_schema_of_what_they_reverse():
    assert schema_for("reversal", {"Voucher": {}}) == "CustomerLedgerItemWithVoucherApi"
    assert schema_for("reversal", {"OurReference": "[ornd R-x]"}) == "CustomerInvoiceDraftApi"
    assert schema_for("reversal", {"VoucherText": "x", "Rows": []}) == "VoucherApi"
    assert schema_for("customer", {}) == "CustomerApi"
