"""Hand-made `core` and `staging` rows in the shape of docs/contracts.md, for the posting
tests (the books' assets are tested on their own; here the input must be exactly known)."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from ornd_visma.money import percent_of

DDL = """
CREATE SCHEMA IF NOT EXISTS core; CREATE SCHEMA IF NOT EXISTS staging;
CREATE TABLE IF NOT EXISTS core.documents (
    document_id VARCHAR, document_number VARCHAR, document_type VARCHAR, revision VARCHAR,
    customer_id VARCHAR, customer_type VARCHAR, invoice_date DATE, due_date DATE,
    location VARCHAR, entity VARCHAR, currency VARCHAR, net_total DECIMAL(18,2),
    vat_total DECIMAL(18,2), total DECIMAL(18,2), rounding DECIMAL(18,2),
    posted_total DECIMAL(18,2), credited_document_id VARCHAR, status VARCHAR,
    hold_reasons VARCHAR[], business_date DATE);
CREATE TABLE IF NOT EXISTS core.invoice_lines (
    document_id VARCHAR, line_no INTEGER, document_number VARCHAR, document_type VARCHAR,
    customer_id VARCHAR, invoice_date DATE, service_start DATE, service_end DATE,
    location VARCHAR, floor VARCHAR, revenue_class VARCHAR, description VARCHAR,
    quantity DECIMAL(18,4), net_amount DECIMAL(18,2), vat_percent DECIMAL(5,2),
    vat_amount DECIMAL(18,2), vat_treatment VARCHAR, account INTEGER, article VARCHAR,
    vat_code VARCHAR, vat_account INTEGER, cost_center_item_1 VARCHAR,
    cost_center_item_2 VARCHAR, entity VARCHAR, recognition VARCHAR, mapped BOOLEAN,
    business_date DATE);
CREATE TABLE IF NOT EXISTS core.revenue_deferrals (
    entity VARCHAR, month DATE, account INTEGER, cost_center_item_1 VARCHAR,
    cost_center_item_2 VARCHAR, deferred DECIMAL(18,2), released DECIMAL(18,2));
CREATE TABLE IF NOT EXISTS core.revenue_accruals (
    entity VARCHAR, month DATE, account INTEGER, cost_center_item_1 VARCHAR,
    cost_center_item_2 VARCHAR, accrued DECIMAL(18,2), reversed DECIMAL(18,2));
CREATE TABLE IF NOT EXISTS staging.companies (id VARCHAR, name VARCHAR, location VARCHAR,
    payload VARCHAR);
CREATE TABLE IF NOT EXISTS staging.members (id VARCHAR, name VARCHAR, location VARCHAR,
    company VARCHAR, payload VARCHAR);
CREATE TABLE IF NOT EXISTS staging.payments (id VARCHAR, number VARCHAR,
    document_type VARCHAR, status VARCHAR, date DATE, location VARCHAR, payload VARCHAR,
    business_date DATE);
CREATE TABLE IF NOT EXISTS staging.locations (id VARCHAR, code VARCHAR, name VARCHAR);
"""

# VAT percent -> (mapping VAT code, VAT account, treatment) as in the sandbox mapping
VAT = {
    Decimal(25): ("10", 2611, "standard"),
    Decimal(12): ("11", 2621, "standard"),
    Decimal(6): ("12", 2631, "standard"),
    Decimal(0): ("42", None, "exempt"),
}
# Lines at 0 % other than exempt: treatment -> (mapping VAT code, VAT account, treatment)
TREATMENTS = {
    "reverse_charge": ("39", None, "reverse_charge"),  # an EU business: reverse_charge
    "zero": ("00", None, "zero"),
}
LOCATIONS = {"STH": "loc-sth", "GBG": "loc-gbg"}


@dataclass
class Line:
    account: int
    net: Decimal
    percent: Decimal = Decimal(25)
    location: str = "STH"
    article: str = "MEMBERSHIP"
    quantity: Decimal = Decimal(1)
    served: tuple[date, date] | None = None  # service period; default the document's day
    recognition: str = "period"
    treatment: str | None = None  # None: by percent (VAT); else a key of TREATMENTS

    @property
    def vat(self) -> Decimal:
        return percent_of(self.net, self.percent)


def company_record(ident: str, name) -> dict:
    """A company's OfficeRnD record as `Books.company` stages it."""
    return {
        "_id": ident,
        "name": name,
        "email": f"{ident}@example.se",
        "address": {"country": "Sweden", "city": "Stockholm", "street": "Gatan 1",
                    "zip": "118 46"},
        "billingDetails": {"billingName": name, "vatNumber": None,
                           "registrationNumber": "556677-8899"},
    }  # fmt: skip


def member_record(ident: str, name) -> dict:
    """A member billed on their own, as `Books.member` stages it (the billing address in
    `billingDetails`, as OfficeRnD gives an individual's)."""
    address = {"country": "Sweden", "city": "Göteborg", "street": "Vägen 2", "zip": "411 03"}
    return {
        "_id": ident,
        "name": name,
        "email": f"{ident}@example.se",
        "company": None,
        "isBillingPerson": True,
        "address": address,
        "billingDetails": {"billingName": name, "vatNumber": None, "registrationNumber": None,
                           "billingAddress": dict(address)},
    }  # fmt: skip


def _text(value) -> str | None:
    """The staging `name` column: text (validation reads the name as text)."""
    return None if value is None else str(value)


@dataclass
class Books:
    conn: duckdb.DuckDBPyConnection
    customers: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.conn.execute(DDL)
        self.conn.execute("DELETE FROM staging.locations")
        for code, ident in LOCATIONS.items():
            self.conn.execute("INSERT INTO staging.locations VALUES (?, ?, ?)", [ident, code, code])

    def company(self, ident: str, name, *, raw: str | None = None, **over) -> None:
        """A company in staging: `over` replaces top-level fields of its record, the staging
        `name` column is the name as text, `raw` replaces the whole payload text (JSON no
        parser reads, a record that is not an object)."""
        record = {**company_record(ident, name), **over}
        self.conn.execute("DELETE FROM staging.companies WHERE id = ?", [ident])
        self.conn.execute(
            "INSERT INTO staging.companies VALUES (?, ?, 'loc-sth', ?)",
            [ident, _text(name), json.dumps(record) if raw is None else raw],
        )

    def member(self, ident: str, name, *, raw: str | None = None, **over) -> None:
        """A member billed on their own (an individual), as `company`."""
        record = {**member_record(ident, name), **over}
        self.conn.execute("DELETE FROM staging.members WHERE id = ?", [ident])
        self.conn.execute(
            "INSERT INTO staging.members VALUES (?, ?, 'loc-sth', NULL, ?)",
            [ident, _text(name), json.dumps(record) if raw is None else raw],
        )

    def document(
        self,
        ident: str,
        number: str,
        customer: str,
        day: date,
        lines: list[Line],
        *,
        credit: bool = False,
        entity: str = "main",
        status: str = "ready",
        hold_reasons: list[str] | None = None,
        currency: str = "SEK",
        rounding: bool = True,
        customer_type: str = "company",
    ) -> dict:
        """Replace document `ident` (and its lines); amounts signed as the contract says."""
        sign = Decimal(-1) if credit else Decimal(1)
        net = sum((line.net for line in lines), Decimal(0)) * sign
        vat = sum((line.vat for line in lines), Decimal(0)) * sign
        total = net + vat
        posted = total.quantize(Decimal(1), ROUND_HALF_UP) if rounding else total  # half away
        if total < 0 and rounding:
            posted = -((-total).quantize(Decimal(1), ROUND_HALF_UP))
        location = LOCATIONS[lines[0].location]
        content = json.dumps(
            [ident, number, customer, str(day), entity, status,
             [(ln.account, str(ln.net), str(ln.percent), ln.location,
               *([str(ln.served)] if ln.served else [])) for ln in lines], credit],
        )  # fmt: skip
        revision = hashlib.sha256(content.encode()).hexdigest()
        self.conn.execute("DELETE FROM core.documents WHERE document_id = ?", [ident])
        self.conn.execute("DELETE FROM core.invoice_lines WHERE document_id = ?", [ident])
        self.conn.execute(
            "INSERT INTO core.documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, NULL, ?, ?, ?)",
            [ident, number, "creditNote" if credit else "invoice", revision, customer,
             customer_type, day,
             day + timedelta(days=30), location, entity, currency, net, vat, total,
             posted - total, posted, status, hold_reasons or [], day],
        )  # fmt: skip
        for no, line in enumerate(lines, start=1):
            code, vat_account, treatment = (
                TREATMENTS[line.treatment] if line.treatment else VAT[line.percent]
            )
            self.conn.execute(
                "INSERT INTO core.invoice_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, "
                "'membership', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, true, ?)",
                [ident, no, number, "creditNote" if credit else "invoice", customer, day,
                 *(line.served or (day, day)), LOCATIONS[line.location], f"Line {no}",
                 line.quantity * sign, line.net * sign, line.percent, line.vat * sign,
                 treatment, line.account, line.article, code, vat_account, line.location,
                 entity, line.recognition, day],
            )  # fmt: skip
        self.conn.execute("DELETE FROM staging.payments WHERE id = ?", [ident])
        self.conn.execute(
            "INSERT INTO staging.payments VALUES (?, ?, ?, 'paid', ?, ?, ?, ?)",
            [ident, number, "creditNote" if credit else "invoice", day, location,
             json.dumps(self.officernd_payload(ident, number, customer, day, lines, credit,
                                               location)), day],
        )  # fmt: skip
        return {"revision": revision, "posted_total": posted, "total": total}

    @staticmethod
    def officernd_payload(ident, number, customer, day, lines, credit, location) -> dict:
        """The document as OfficeRnD sends it (positive amounts, `documentType`)."""
        return {
            "_id": ident,
            "number": number,
            "documentType": "creditNote" if credit else "invoice",
            "date": f"{day}T00:00:00.000Z",
            "company": customer,
            "location": location,
            "lines": [
                {"subTotal": str(ln.net), "taxPercent": str(ln.percent),
                 "taxAmount": str(ln.vat), "location": LOCATIONS[ln.location]}
                for ln in lines
            ],
            "total": str(sum((ln.net + ln.vat for ln in lines), Decimal(0))),
        }  # fmt: skip

    def remove(self, ident: str) -> None:
        self.conn.execute("DELETE FROM core.documents WHERE document_id = ?", [ident])
        self.conn.execute("DELETE FROM core.invoice_lines WHERE document_id = ?", [ident])
        self.conn.execute("DELETE FROM staging.payments WHERE id = ?", [ident])
