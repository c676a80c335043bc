"""`core.documents` and `core.invoice_lines` for a business-date window (docs/contracts.md).

The staged payments of the window are unnested into lines and resolved against the staged
dimensions in SQL (`source_lines.sql`); the mapping is applied once per distinct combination of
what a rule can match on, in Python (`rules.py`, `Mapping.revenue_rule`), and joined back
(`lines.sql`); the documents are summed, checked to the öre, rounded and given their hold
reasons in SQL (`documents.sql`). The window's rows are then replaced in one transaction, so a
re-run changes nothing and a range equals the union of its days.

A document is `held` (staged, but not to be posted) when anything on it is unmapped or does not
add up; each reason names the line and the missing thing. Records that failed validation are
not here at all: they are in `quarantine.payments`.
"""

from dataclasses import dataclass
from datetime import date
from importlib.resources import files

import duckdb
import pandas as pd

from ornd_visma.books import rules
from ornd_visma.mapping import Mapping
from ornd_visma.warehouse.windows import month_pieces

CORE_DDL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.documents (
    document_id VARCHAR PRIMARY KEY,
    document_number VARCHAR,
    document_type VARCHAR NOT NULL,
    revision VARCHAR NOT NULL,
    customer_id VARCHAR,
    customer_type VARCHAR,
    invoice_date DATE NOT NULL,
    due_date DATE,
    location VARCHAR,
    entity VARCHAR,
    currency VARCHAR,
    net_total DECIMAL(18, 2) NOT NULL,
    vat_total DECIMAL(18, 2) NOT NULL,
    total DECIMAL(18, 2),
    rounding DECIMAL(18, 2),
    posted_total DECIMAL(18, 2),
    credited_document_id VARCHAR,
    status VARCHAR NOT NULL,
    hold_reasons VARCHAR[] NOT NULL,
    business_date DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS core.invoice_lines (
    document_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    document_number VARCHAR,
    document_type VARCHAR NOT NULL,
    customer_id VARCHAR,
    invoice_date DATE NOT NULL,
    service_start DATE,
    service_end DATE,
    location VARCHAR,
    floor VARCHAR,
    revenue_class VARCHAR,
    description VARCHAR,
    quantity DECIMAL(18, 4),
    net_amount DECIMAL(18, 2),
    vat_percent DECIMAL(5, 2),
    vat_amount DECIMAL(18, 2),
    vat_treatment VARCHAR,
    account INTEGER,
    article VARCHAR,
    vat_code VARCHAR,
    vat_account INTEGER,
    cost_center_item_1 VARCHAR,
    cost_center_item_2 VARCHAR,
    entity VARCHAR,
    recognition VARCHAR,
    mapped BOOLEAN NOT NULL,
    business_date DATE NOT NULL,
    PRIMARY KEY (document_id, line_no)
);
"""

KEY_COLUMNS = (
    "revenue_account_id",
    "revenue_account_code",
    "plan_id",
    "plan_code",
    "plan_type",
    "plan_is_resource_rate",
    "fee_plan_type",
    "fee_is_refundable",
    "has_membership",
    "tax_rate_id",
    "tax_rate_code",
    "customer_country",
    "customer_vat_number",
)


@dataclass(frozen=True)
class BooksWindow:
    documents: int
    ready: int
    held: int
    lines: int
    unmapped_lines: int
    held_reasons: list[tuple[str, str, list[str]]]  # (document number, id, reasons)


def _sql(name: str) -> str:
    return files("ornd_visma.books").joinpath(name).read_text()


def ensure_core(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(CORE_DDL)


def resolve_keys(mapping: Mapping, keys: pd.DataFrame) -> pd.DataFrame:
    """The mapping's answer for each distinct combination of a line's match keys."""
    out = []
    for key in keys.itertuples(index=False):
        kind = rules.fee_kind(
            bool(key.has_membership),
            bool(key.plan_is_resource_rate),
            _none(key.fee_plan_type),
            _none(key.fee_is_refundable),
        )
        eu = rules.is_eu_business(_none(key.customer_country), _none(key.customer_vat_number))
        tax_names = (_none(key.tax_rate_code), _none(key.tax_rate_id))
        names = {
            "revenue_account": (_none(key.revenue_account_code), _none(key.revenue_account_id)),
            "plan": (_none(key.plan_code), _none(key.plan_id)),
            "plan_type": (_none(key.plan_type),),
            "fee_kind": (kind,),
            "tax_rate": tax_names,
        }
        problems = []
        rule = mapping.revenue_rule(names)
        if rule is None:
            problems.append(
                "no revenue rule for revenue account "
                + _label(names["revenue_account"])
                + f", plan {_label(names['plan'])} (type {_label(names['plan_type'])}, "
                f"fee kind {kind}), tax rate {_label(tax_names)}"
            )
        vat, treatment, vat_problem = rules.vat_of_line(mapping, tax_names, eu)
        if vat_problem:
            problems.append(vat_problem)
        account = rule.account if rule else None
        vat_code = vat.vat_code if vat else None
        if treatment == "reverse_charge":
            account, vat_code = mapping.reverse_charge.account, mapping.reverse_charge.vat_code
        out.append(
            {
                **key._asdict(),
                "fee_kind": kind,
                "account": account,
                "article": rule.article if rule else None,
                "revenue_class": rule.revenue_class if rule else None,
                "recognition": rules.recognition(rule.recognition if rule else None, kind),
                "vat_code": vat_code,
                "vat_percent": vat.percent if vat else None,
                "vat_account": vat.vat_account if vat and treatment == "standard" else None,
                "vat_treatment": treatment,
                "problems": problems,
            }
        )
    frame = pd.DataFrame(out, columns=[*KEY_COLUMNS, *_RESOLVED])
    # As text: DuckDB infers a DECIMAL width from a sample of an object column.
    frame["vat_percent"] = [None if v is None else str(v) for v in frame["vat_percent"]]
    return frame.astype({"account": "Int64", "vat_account": "Int64"})


_RESOLVED = (
    "fee_kind",
    "account",
    "article",
    "revenue_class",
    "recognition",
    "vat_code",
    "vat_percent",
    "vat_account",
    "vat_treatment",
    "problems",
)


def resolve_locations(mapping: Mapping, locations: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for loc in locations.itertuples(index=False):
        entry = mapping.find(mapping.locations, _none(loc.code), _none(loc.location_id))
        rows.append(
            {
                "location_id": loc.location_id,
                "entity": entry.entity if entry else None,
                "cost_center_item": entry.cost_center_item if entry else None,
                "problem": None
                if entry
                else f"location {_label((_none(loc.code), loc.location_id))} is not in the "
                "mapping's locations",
            }
        )
    return pd.DataFrame(rows, columns=["location_id", "entity", "cost_center_item", "problem"])


def resolve_floors(mapping: Mapping, floors: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for floor in floors.itertuples(index=False):
        names = [
            f"{loc}/{name}"
            for loc in (_none(floor.location_code), _none(floor.location_id))
            for name in (_none(floor.floor_name), floor.floor_id)
            if loc and name
        ]
        entry = mapping.find(mapping.floors, *names)
        rows.append(
            {
                "floor_id": floor.floor_id,
                "cost_center_item": entry.cost_center_item if entry else None,
            }
        )
    return pd.DataFrame(rows, columns=["floor_id", "cost_center_item"])


def _none(value):
    return (
        None if value is None or (not isinstance(value, list | str) and pd.isna(value)) else value
    )


def _label(names: tuple) -> str:
    return next((str(n) for n in names if n), "(none)")


def build_documents(
    conn: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    start: date,
    end: date | None,
    rounding: str,
) -> BooksWindow:
    """Replace the window's `core.documents` and `core.invoice_lines`: a month at a time
    (`warehouse/windows.py`), each month in one transaction."""
    ensure_core(conn)
    pieces = month_pieces(conn, "staging.payments", start, end)
    return _combined([_build_piece(conn, mapping, s, e, rounding) for s, e in pieces])


def _combined(parts: list[BooksWindow]) -> BooksWindow:
    return BooksWindow(
        documents=sum(p.documents for p in parts),
        ready=sum(p.ready for p in parts),
        held=sum(p.held for p in parts),
        lines=sum(p.lines for p in parts),
        unmapped_lines=sum(p.unmapped_lines for p in parts),
        held_reasons=sorted(r for p in parts for r in p.held_reasons),
    )


def _build_piece(
    conn: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    start: date,
    end: date | None,
    rounding: str,
) -> BooksWindow:
    conn.execute(_sql("source_lines.sql"), {"start": start, "end": end})
    keys = conn.execute(
        f"""SELECT DISTINCT {", ".join(c for c in KEY_COLUMNS if c != "has_membership")},
                   membership_id IS NOT NULL AS has_membership
            FROM books_source WHERE line_no IS NOT NULL"""
    ).df()
    locations = conn.execute(
        """SELECT id AS location_id, code FROM staging.locations
           UNION SELECT DISTINCT location_id, location_code FROM books_source
           WHERE location_id IS NOT NULL
           UNION SELECT DISTINCT document_location_id, document_location_code FROM books_source
           WHERE document_location_id IS NOT NULL"""
    ).df()
    floors = conn.execute(
        """SELECT f.id AS floor_id, f.name AS floor_name, l.id AS location_id,
                  l.code AS location_code
           FROM staging.floors f LEFT JOIN staging.locations l ON l.id = f.location"""
    ).df()
    books_keys = resolve_keys(mapping, keys[list(KEY_COLUMNS)])
    books_locations = resolve_locations(mapping, locations.drop_duplicates("location_id"))
    books_floors = resolve_floors(mapping, floors)
    for name, frame in (
        ("books_keys_df", books_keys),
        ("books_locations_df", books_locations),
        ("books_floors_df", books_floors),
    ):
        conn.register(name, frame)
    try:
        conn.execute(
            """CREATE OR REPLACE TEMP TABLE books_keys AS
               SELECT * REPLACE (vat_percent::DECIMAL(5, 2) AS vat_percent,
                                 problems::VARCHAR[] AS problems,
                                 account::INTEGER AS account,
                                 vat_account::INTEGER AS vat_account)
               FROM books_keys_df;
               CREATE OR REPLACE TEMP TABLE books_locations AS SELECT * FROM books_locations_df;
               CREATE OR REPLACE TEMP TABLE books_floors AS SELECT * FROM books_floors_df;"""
        )
    finally:
        for name in ("books_keys_df", "books_locations_df", "books_floors_df"):
            conn.unregister(name)
    conn.execute(_sql("lines.sql"))
    conn.execute(_sql("documents.sql"), {"rounding": rounding})
    _replace_window(conn, start, end)
    return _summary(conn)


def _replace_window(conn: duckdb.DuckDBPyConnection, start: date, end: date | None) -> None:
    scope = "business_date >= $start AND ($end IS NULL OR business_date < $end)"
    params = {"start": start, "end": end}
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute(f"DELETE FROM core.invoice_lines WHERE {scope}", params)
        conn.execute(f"DELETE FROM core.documents WHERE {scope}", params)
        # A document moved to another date leaves its old window: drop it there too.
        conn.execute(
            "DELETE FROM core.invoice_lines WHERE document_id IN "
            "(SELECT document_id FROM books_documents)"
        )
        conn.execute(
            "DELETE FROM core.documents WHERE document_id IN "
            "(SELECT document_id FROM books_documents)"
        )
        conn.execute("INSERT INTO core.documents BY NAME SELECT * FROM books_documents")
        conn.execute(
            """INSERT INTO core.invoice_lines BY NAME
               SELECT document_id, line_no, document_number, document_type, customer_id,
                      invoice_date, service_start, service_end, location_id AS location,
                      floor_id AS floor, revenue_class, description, quantity, net_amount,
                      tax_percent AS vat_percent, vat_amount, vat_treatment, account, article,
                      vat_code, vat_account, cost_center_item_1, cost_center_item_2, entity,
                      recognition, len(problems) = 0 AS mapped, invoice_date AS business_date
               FROM books_lines"""
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise


def _summary(conn: duckdb.DuckDBPyConnection) -> BooksWindow:
    counts = conn.execute(
        """SELECT count(*), count(*) FILTER (WHERE status = 'ready'),
                  count(*) FILTER (WHERE status = 'held') FROM books_documents"""
    ).fetchall()[0]
    lines = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE len(problems) > 0) FROM books_lines"
    ).fetchall()[0]
    held = conn.execute(
        """SELECT document_number, document_id, hold_reasons FROM books_documents
           WHERE status = 'held' ORDER BY document_number"""
    ).fetchall()
    return BooksWindow(
        documents=counts[0],
        ready=counts[1],
        held=counts[2],
        lines=lines[0],
        unmapped_lines=lines[1],
        held_reasons=[(n, i, list(r)) for n, i, r in held],
    )
