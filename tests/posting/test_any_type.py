"""Any type in any field: random wrong types, nulls, numbers, huge and unicode values planted
into company and member records (and a few document fields) of the posting books never stop
planning. Each planted record is held with a reason naming the record and the field, or its
value is read as text and cleaned (the outbox row saying what changed); every other document
is planned."""

import json
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.keys import key_in
from ornd_visma.posting.outbox import Outbox, loads
from ornd_visma.posting.planning import Planner
from ornd_visma.posting.summary import Summary
from ornd_visma.text import clean_text
from tests.posting.books import Books, Line, company_record, member_record

JUNE = (date(2026, 6, 1), date(2026, 7, 1))
MAPPING = load_mapping(SANDBOX_MAPPING)
DOCUMENTS = 10  # d0 … d9; customer c<i> of d<i> is a company for even i, a member for odd
# maxLength of the customer fields we send (Visma's OpenAPI document, CustomerApi)
CUSTOMER_MAX = {"Name": 50, "InvoiceAddress1": 50, "InvoiceCity": 50, "InvoicePostalCode": 10,
                "EmailAddress": 255, "CorporateIdentityNumber": 20, "VatNumber": 20,
                "InvoiceCountryCode": 2, "CustomerNumber": 16, "Note": 4000}  # fmt: skip


# Where a value is planted: (record kind, path); what it is to the customer payload: "text"
# or "section" (a nested object), whether the customer cannot do without it, and the Visma
# field a text fills.
TEXT, SECTION, UNREAD = "text", "section", "unread"
ADDRESS = {"company": ("address",), "member": ("billingDetails", "billingAddress")}


def targets(kind: str) -> list[tuple[tuple[str, ...], str, bool, str | None]]:
    address = ADDRESS[kind]
    out = [
        (("name",), TEXT, False, None),  # the billing name is the one used
        (("billingDetails", "billingName"), TEXT, False, "Name"),
        (("email",), TEXT, False, "EmailAddress"),
        (("phone",), UNREAD, False, None),  # not read: anything goes
        ((*address, "city"), TEXT, True, "InvoiceCity"),
        ((*address, "zip"), TEXT, True, "InvoicePostalCode"),
        ((*address, "street"), TEXT, False, "InvoiceAddress1"),
        ((*address, "country"), TEXT, False, None),
        (("billingDetails", "vatNumber"), TEXT, False, None),
        (("billingDetails", "registrationNumber"), TEXT, False,
         "CorporateIdentityNumber" if kind == "company" else None),
        # a company's address is its only one; a member's billing address falls back to
        # the member's own address
        (address, SECTION, kind == "company", None),
        (("billingDetails",), SECTION, False, None),
        # the address a company does not have / the member's own, unused but read
        (("billingDetails", "billingAddress") if kind == "company" else ("address",), SECTION,
         False, None),
    ]  # fmt: skip
    return out


visible = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=20)
controls = st.text(st.sampled_from("\x00\x1b\r\n\t\x7f\u202e\u202c\u200b\u2028\ufeff"),
                   min_size=1, max_size=4)  # fmt: skip
hostile = st.builds(lambda a, b, c: a + b + c, visible, controls, visible)
huge = st.sampled_from(["Åb " * 4000, "x" * 100_000, "€" * 300])
wrong_text = st.one_of(st.booleans(), st.lists(st.integers(), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))  # fmt: skip
wrong_section = st.one_of(st.booleans(), st.lists(st.integers(), max_size=2), st.integers(),
                          visible)  # fmt: skip
numbers = st.one_of(st.integers(-(10**30), 10**30),
                    st.floats(allow_nan=False, allow_infinity=False))  # fmt: skip
texts = st.one_of(st.text(max_size=30), hostile, huge)
# whole payloads that give no record
raw_records = st.sampled_from(["[1, 2]", '"Acme AB"', "42", "null", "{not json", "1" * 5000])


@st.composite
def customer_plants(draw) -> dict:
    """A value for target `index` (the same place in a company's and a member's record)."""
    index = draw(st.integers(0, len(targets("company")) - 1))
    if targets("company")[index][1] == SECTION:
        value = draw(st.one_of(wrong_section, st.sampled_from([None, {}, ""])))
    else:
        value = draw(st.one_of(wrong_text, st.none(), numbers, texts))
    return {"on": "customer", "index": index, "value": value}


@st.composite
def record_plants(draw) -> dict:
    return {"on": "record", "raw": draw(raw_records)}


@st.composite
def number_plants(draw) -> dict:
    suffix = draw(st.one_of(
        st.text(st.characters(exclude_categories=("Nd", "Cs")), max_size=20),
        st.sampled_from(["-" + "X" * 5000, "\x1b[2J-STH\n"]),
    ))  # fmt: skip
    return {"on": "number", "suffix": draw(st.one_of(st.none(), st.just(suffix)))}


plants = st.lists(st.one_of(customer_plants(), record_plants(), number_plants()),
                  min_size=1, max_size=DOCUMENTS - 2)  # fmt: skip


def planted_record(kind: str, ident: str, path: tuple[str, ...], value: Any) -> dict:
    record = (company_record if kind == "company" else member_record)(ident, "Kund AB")
    node = record
    for step in path[:-1]:
        node = node.setdefault(step, {})
    node[path[-1]] = value
    return record


def text_of(value: Any) -> str:
    """What the accessor reads a text-typed value as: the string, or a number's digits (the
    outbox reads JSON numbers as Decimal)."""
    return value if isinstance(value, str) else str(loads(json.dumps(value)))


def is_wrong_text(value: Any) -> bool:
    return isinstance(value, bool | list | dict)


def dirty(value: Any) -> list[str]:
    """Strings holding a control, format or line/paragraph separator character, or a tab."""
    if isinstance(value, dict):
        return [p for v in value.values() for p in dirty(v)]
    if isinstance(value, list):
        return [p for v in value for p in dirty(v)]
    if isinstance(value, str) and any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value
    ):
        return [value]
    return []


def expectation(kind: str, ident: str, plant: dict) -> tuple[str, str | None]:
    """("held", a text its reason holds) or ("planned", the Visma field whose cleaning the
    customer row must report, if any)."""
    label = f"{kind} {ident}"
    if plant["on"] == "record":
        return "held", label
    if plant["on"] == "number":
        if plant["suffix"] is None:
            return "held", "has no sequence number"
        return "planned", None
    path, what, required, field = targets(kind)[plant["index"]]
    value = plant["value"]
    dotted = ".".join(path)
    if what == UNREAD:
        return "planned", None
    if what == SECTION:
        if value is None or value == {} or value == "":
            return ("held", f"{label}: no billing address") if required else ("planned", None)
        return "held", f"{label}: {dotted} is "
    if is_wrong_text(value):
        return "held", f"{label}: {dotted} is "
    text = "" if value is None else text_of(value)
    cleaned = clean_text(text)
    if not cleaned:
        return ("held", f"{label}: no billing address") if required else ("planned", None)
    if field is not None and (cleaned != text or len(cleaned) > CUSTOMER_MAX[field]):
        return "planned", field
    return "planned", None


def books_with(conn: duckdb.DuckDBPyConnection, planted: list[dict]) -> dict[int, dict]:
    """The books: document d<i> of customer c<i>, plant i (if any) in it; the plants by i."""
    books = Books(conn)
    by_doc = dict(enumerate(planted))
    for i in range(DOCUMENTS):
        kind, ident = ("company" if i % 2 == 0 else "member"), f"c{i}"
        stage = books.company if kind == "company" else books.member
        plant = by_doc.get(i, {"on": None})
        if plant["on"] == "customer":
            path = targets(kind)[plant["index"]][0]
            record = planted_record(kind, ident, path, plant["value"])
            stage(ident, record["name"], raw=json.dumps(record))  # the staging name as text
        elif plant["on"] == "record":
            stage(ident, "Kund AB", raw=plant["raw"])
        else:
            stage(ident, "Kund AB")
        number = f"{i + 1:06d}-STH"
        if plant["on"] == "number":
            number = None if plant["suffix"] is None else f"{i + 1:06d}{plant['suffix']}"
        # 100.00 + i at 25 %
        books.document(f"d{i}", number, ident, date(2026, 6, 10), [Line(3001, Decimal(100 + i))],
                       customer_type=kind)  # fmt: skip
    return by_doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted=plants)
def test_planning_holds_or_cleans_every_planted_value_and_plans_the_rest(planted):
    conn = duckdb.connect()
    by_doc = books_with(conn, planted)
    outbox = Outbox(conn)
    Planner(outbox, MAPPING, Summary(False)).plan_documents(*JUNE)  # completes: no exception
    for i in range(DOCUMENTS):
        kind, ident = ("company" if i % 2 == 0 else "member"), f"c{i}"
        [row] = [r for r in outbox.for_document(f"d{i}") if r.kind == "ledger_item"]
        outcome, detail = expectation(kind, ident, by_doc[i]) if i in by_doc else ("planned", None)
        if outcome == "held":
            assert row.state == "held", (by_doc[i], row.hold_reason)
            assert detail in (row.hold_reason or ""), (by_doc[i], row.hold_reason)
            continue
        assert row.state == "pending", (by_doc.get(i), row.hold_reason)
        [customer] = outbox.for_document(ident)
        assert customer.state == "pending"
        body = customer.payload
        assert dirty(body) == [] and dirty(row.payload) == []
        assert all(len(body[k]) <= n for k, n in CUSTOMER_MAX.items() if k in body)
        voucher = row.payload["Voucher"]
        # the tag survives whatever the text around it was
        assert len(voucher["VoucherText"]) <= 1000
        assert key_in(voucher["VoucherText"]) == row.outbox_key
        assert all(len(r["TransactionText"]) <= 60 for r in voucher["Rows"])
        assert len(row.payload.get("PaymentReferenceNumber", "")) <= 50
        if detail is not None:  # the planted text was cleaned or cut: the row says so
            assert f"{detail}: " in (customer.text_changes or ""), (by_doc[i], customer)
    conn.close()


def test_a_company_named_12345_is_planned_under_that_name():
    conn = duckdb.connect()
    books = Books(conn)
    books.company("c1", 12345)  # the record's name and billing name are the number 12345
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10), [Line(3001, Decimal(100))])
    outbox = Outbox(conn)
    Planner(outbox, MAPPING, Summary(False)).plan_documents(*JUNE)
    [customer] = outbox.for_document("c1")
    assert (customer.state, customer.payload["Name"]) == ("pending", "12345")
    assert [r.state for r in outbox.for_document("d1")] == ["pending"]
