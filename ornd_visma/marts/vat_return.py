"""The VAT return (momsdeklaration) per Visma company and month, from the books.

`marts.vat_return_monthly` has one row per entity, month and box the books touch, with the
amount to the öre and the figure declared (whole kronor, öre dropped). Which box a line
lands in is `ornd_visma.vat.boxes` (defaults by treatment, percent and Visma code; the
mapping's `vat.<tax rate>.base_box` / `.vat_box` override them).

Choices where the references are unsure (change them here or in `vat_parts.sql`):

* **Faktureringsmetoden**: base and VAT are declared in the month of the invoice date; a
  credit note lowers the month of its own date (its amounts are negative in `core`).
  Revenue deferrals (2970) move revenue between months in the books but not VAT: they are
  not in the return.
* **Ready documents only**, as the books are: a held document is not in the return (nor in
  Visma) until it is released; the check `nothing_held` lists them.
* A line's base counts only on a **revenue account** (BAS class 3): a refundable deposit
  (2420) is not a supply.
* The **month** is the calendar month; a company filing quarterly or yearly adds up its
  months (`SELECT … GROUP BY date_trunc('quarter', month)`).
"""

from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files

import duckdb

from ornd_visma.mapping import Mapping
from ornd_visma.marts.build import Build, rebuild
from ornd_visma.marts.revenue import table_exists
from ornd_visma.vat.boxes import BOX_NAMES, box_kind, code_boxes, line_boxes

POLICY = (
    "Boxes by Visma VAT code (ornd_visma/vat/boxes.py): 25/12/6 % to base 05 and VAT 10/11/12, "
    "reverse charge to 39, exempt and 0 % to 42, overrides per `vat.<tax rate>.base_box`/"
    "`vat_box` (08 for rent under frivillig skattskyldighet); the month of the invoice date "
    "(faktureringsmetoden); ready documents only; declared in whole kronor, öre dropped."
)
READY_LINES = """
    SELECT l.entity, l.document_id, l.invoice_date, l.account, l.vat_code, l.vat_treatment,
           l.vat_percent, l.net_amount, l.vat_amount
    FROM core.invoice_lines AS l
    JOIN core.documents AS d USING (document_id)
    WHERE d.status = 'ready'
"""
NO_LINES = """
    SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS document_id, NULL::DATE AS invoice_date,
           NULL::INTEGER AS account, NULL::VARCHAR AS vat_code, NULL::VARCHAR AS vat_treatment,
           NULL::DECIMAL(5, 2) AS vat_percent, NULL::DECIMAL(18, 2) AS net_amount,
           NULL::DECIMAL(18, 2) AS vat_amount
    WHERE false
"""


@dataclass(frozen=True)
class VatReturnSummary:
    books_present: bool
    months: int
    rows: int
    output_vat: Decimal  # boxes 10 + 11 + 12, all months and entities
    build: Build


def prepare_parts(conn: duckdb.DuckDBPyConnection, mapping: Mapping) -> bool:
    """Set up `_vat_parts` (a temp table: entity, month, document_id, vat_code, box,
    amount) from the ready documents' lines; False when the books are not built yet."""
    present = table_exists(conn, "core.invoice_lines") and table_exists(conn, "core.documents")
    source = READY_LINES if present else NO_LINES
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _vat_lines AS {source}")
    table = code_boxes(mapping)
    combos = conn.execute(
        "SELECT DISTINCT vat_code, vat_treatment, vat_percent FROM _vat_lines"
    ).fetchall()
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _vat_boxes (vat_code VARCHAR, vat_treatment VARCHAR, "
        "vat_percent DECIMAL(5, 2), base_box VARCHAR, vat_box VARCHAR)"
    )
    rows = []
    for code, treatment, percent in combos:
        boxes = line_boxes(table, code, treatment, percent)
        rows.append((code, treatment, percent, boxes.base, boxes.vat))
    if rows:
        conn.executemany("INSERT INTO _vat_boxes VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute(files("ornd_visma.marts").joinpath("vat_parts.sql").read_text())
    return present


def build_vat_return(conn: duckdb.DuckDBPyConnection, mapping: Mapping) -> VatReturnSummary:
    """Rebuild `marts.vat_return_monthly` in one transaction (empty while the books are not
    built yet, `books_present` says so)."""
    present = prepare_parts(conn, mapping)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _vat_box_names (box VARCHAR, name VARCHAR, kind VARCHAR)"
    )
    conn.executemany(
        "INSERT INTO _vat_box_names VALUES (?, ?, ?)",
        [(box, name, box_kind(box)) for box, name in BOX_NAMES.items()],
    )
    built = rebuild(conn, "vat_return.sql", ["vat_return_monthly"])
    ((months, rows, vat),) = conn.execute(
        "SELECT count(DISTINCT month), count(*), "
        "coalesce(sum(amount) FILTER (WHERE kind = 'vat'), 0) FROM marts.vat_return_monthly"
    ).fetchall()
    return VatReturnSummary(present, months, rows, vat, built)
