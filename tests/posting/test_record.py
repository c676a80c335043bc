"""The typed accessor over raw OfficeRnD JSON, and the customer payload built through it:
any type in any field is read or refused with a reason naming the record and the field."""

from decimal import Decimal

from ornd_visma.posting import payloads
from ornd_visma.posting.record import Fields

ID = "6a66c9b000f03cbb66eb2c44"


def company(**over) -> dict:
    record = {
        "_id": ID,
        "name": "Acme AB",
        "email": "info@acme.se",
        "address": {"country": "Sweden", "city": "Stockholm", "street": "Gatan 1", "zip": "11846"},
        "billingDetails": {"billingName": "Acme AB", "vatNumber": None,
                           "registrationNumber": "556677-8899"},
    }  # fmt: skip
    record.update(over)
    return record


def test_text_takes_strings_and_numbers_and_refuses_the_rest_naming_the_field():
    f = Fields({"a": "x", "n": 12345, "d": Decimal("12.50"), "l": [1], "o": {}, "b": True,
                "none": None}, "company c1")  # fmt: skip
    assert (f.text("a"), f.text("n"), f.text("d")) == ("x", "12345", "12.50")
    assert (f.text("none"), f.text("missing")) == ("", "")
    assert f.problems == []
    assert (f.text("l"), f.text("o"), f.text("b")) == ("", "", "")
    assert f.problems == [
        "company c1: l is a list, not text",
        "company c1: o is an object, not text",
        "company c1: b is true/false, not text",
    ]


def test_a_lone_surrogate_is_not_text():
    f = Fields({"name": "Acme \ud800"}, "company c1")
    assert f.text("name") == ""
    assert f.problems == ["company c1: name is not valid Unicode text"]


def test_the_first_non_blank_text_wins_as_a_or_b_did():
    f = Fields({"billing": " \x00\t", "name": "Acme AB"}, "company c1")
    assert f.text("billing", "name") == "Acme AB"  # a blank (control-only) value gives way
    assert f.text("absent", "billing") == ""
    assert f.problems == []


def test_sections_name_their_path_and_refuse_what_is_not_an_object():
    f = Fields({"billingDetails": {"billingAddress": {"city": ["Malmö"]}}, "address": "Gatan 1"},
               "member m1")  # fmt: skip
    address = f.section("billingDetails").section("billingAddress")
    assert address.text("city") == ""
    assert f.section("address").record == {}
    assert f.section("nothing").text("city") == ""
    assert f.problems == [
        "member m1: billingDetails.billingAddress.city is a list, not text",
        "member m1: address is text, not an object",
    ]


def test_a_record_that_is_not_an_object_is_one_reason():
    f = Fields([1, 2], "company c1")
    assert f.text("name") == ""
    assert f.problems == ["company c1: the record is a list, not an object"]


def test_a_company_named_by_a_number_is_a_customer_named_by_its_digits():
    body, problems = payloads.customer(
        company(name=12345, billingDetails={"billingName": None, "registrationNumber": 5566778899}),
        "company",
        ID,
    )
    assert problems == []
    assert body["Name"] == "12345"
    assert body["CorporateIdentityNumber"] == "5566778899"
    # OR + the last 14 of the 24 hex digits: 6a66c9b000 | f03cbb66eb2c44
    assert body["CustomerNumber"] == "ORf03cbb66eb2c44"


def test_wrong_types_hold_the_customer_with_reasons_naming_record_and_field():
    record = company(
        email={"work": "a@b.se"},
        billingDetails={"billingName": "Acme AB", "vatNumber": True, "billingAddress": [1]},
    )
    body, problems = payloads.customer(record, "company", ID)
    assert body == {}
    assert problems == [
        f"company {ID}: billingDetails.billingAddress is a list, not an object",
        f"company {ID}: email is an object, not text",
        f"company {ID}: billingDetails.vatNumber is true/false, not text",
    ]


def test_no_name_and_no_city_are_reasons_as_before():
    record = company(name=None, billingDetails=None, address={"city": "\n", "zip": "11846"})
    _, problems = payloads.customer(record, "company", ID)
    assert problems == [
        f"company {ID}: no name",
        f"company {ID}: no billing address city/zip (Visma requires InvoiceCity and "
        "InvoicePostalCode)",
    ]


def test_text_is_left_for_fit_to_clean_and_cut_and_the_country_and_vat_are_read_cleanly():
    long_street = "S" * 300
    record = company(
        address={"country": " sverige\n", "city": "Malmö", "street": long_street, "zip": 21145},
        billingDetails={"billingName": "Acme\tAB", "vatNumber": "se 5566778899\x0001"},
    )
    body, problems = payloads.customer(record, "company", ID)
    assert problems == []
    assert body["Name"] == "Acme\tAB"  # cleaned where it enters the outbox (fit)
    assert body["InvoiceAddress1"] == long_street  # cut there too, and the row says so
    assert body["InvoicePostalCode"] == "21145"
    # the VAT number cleaned of its NUL before its form is judged: SE + 12 digits
    assert body["VatNumber"] == "SE556677889901"
    assert body["InvoiceCountryCode"] == "SE"


def test_country_codes():
    assert payloads.country_code(" Sverige\n") == "SE"
    assert payloads.country_code("no") == "NO"
    assert payloads.country_code("46") is None
    assert payloads.country_code(None) is None
