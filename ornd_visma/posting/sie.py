"""SIE4 export: the vouchers the outbox holds for a date range, as a file any Swedish
accounting system imports (for operators who post by hand instead of through the API).

Decisions (SIE 4B, "Typ 4: transaktioner"):
* Encoding **CP437** ("IBM PC 8-bitars extended ASCII", `#FORMAT PC8`), as SIE requires;
  characters CP437 lacks become `?`. Lines end in CRLF.
* Header: `#FLAGGA 0`, `#FORMAT PC8`, `#SIETYP 4`, `#PROGRAM`, `#GEN`, `#FNAMN` (the entity),
  `#RAR 0` (the calendar year of the range's start), `#DIM 1 "Kostnadsställe"` and
  `#DIM 2 "Kostnadsbärare"` with an `#OBJEKT` per cost center item used (the ShortName is
  both the object number and name).
* One `#VER <series> <n> <date> "<text>"` per voucher, numbered from 1 in the file, series
  `A` unless told; the text is the VoucherText, so the outbox tag travels along.
* `#TRANS <account> {<dim> "<object>" ...} <amount> "" "<text>"`: debit positive, credit
  negative, two decimals with a point; cost centers as objects of dimensions 1 and 2; no
  transaction date (the voucher's applies); the row's TransactionText.
* What is exported: the vouchers of ledger items (SIE has no customer ledger: the receivable
  is the 1510 row), reversals and deferral vouchers, in every state but superseded, held and
  skipped. A file and the API are alternatives: importing a file for vouchers also posted
  through the API books them twice.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ornd_visma.posting.outbox import loads

EXPORTED_STATES = ("would_post", "pending", "sent", "confirmed", "failed")


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _amount(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def vouchers(conn: duckdb.DuckDBPyConnection, start: date, end: date, entity: str) -> list[dict]:
    """The voucher bodies of the outbox rows of `entity` dated in [start, end]."""
    marks = ", ".join("?" for _ in EXPORTED_STATES)
    rows = conn.execute(
        f"""SELECT payload FROM posting.outbox
            WHERE kind <> 'customer' AND entity = ? AND state IN ({marks})
              AND business_date BETWEEN ? AND ?
            ORDER BY business_date, created_at, outbox_key""",
        [entity, *EXPORTED_STATES, start, end],
    ).fetchall()
    out = []
    for (text,) in rows:
        payload = loads(text)
        voucher = payload.get("Voucher", payload)
        if "Rows" in voucher and "VoucherDate" in voucher:
            out.append(voucher)
    return sorted(out, key=lambda v: v["VoucherDate"])


def sie4(
    voucher_list: list[dict],
    *,
    company: str,
    start: date,
    generated: date,
    series: str = "A",
) -> str:
    lines = [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        f"#PROGRAM {_quote('ornd-visma')} 0.1.0",
        f"#GEN {generated:%Y%m%d}",
        f"#FNAMN {_quote(company)}",
        f"#RAR 0 {start.year}0101 {start.year}1231",
        f"#DIM 1 {_quote('Kostnadsställe')}",
        f"#DIM 2 {_quote('Kostnadsbärare')}",
    ]
    objects = sorted(
        {
            (slot, row[f"CostCenterShortName{slot}"])
            for v in voucher_list
            for row in v["Rows"]
            for slot in (1, 2)
            if row.get(f"CostCenterShortName{slot}")
        }
    )
    lines += [f"#OBJEKT {slot} {_quote(name)} {_quote(name)}" for slot, name in objects]
    for number, voucher in enumerate(voucher_list, start=1):
        day = voucher["VoucherDate"][:10].replace("-", "")
        lines.append(f"#VER {_quote(series)} {number} {day} {_quote(voucher['VoucherText'])}")
        lines.append("{")
        for row in voucher["Rows"]:
            amount = Decimal(row.get("DebitAmount") or 0) - Decimal(row.get("CreditAmount") or 0)
            dims = " ".join(
                f"{slot} {_quote(row[f'CostCenterShortName{slot}'])}"
                for slot in (1, 2)
                if row.get(f"CostCenterShortName{slot}")
            )
            text = _quote(row.get("TransactionText") or "")
            lines.append(f'   #TRANS {row["AccountNumber"]} {{{dims}}} {_amount(amount)} "" {text}')
        lines.append("}")
    return "\r\n".join(lines) + "\r\n"


def export_sie(
    conn: duckdb.DuckDBPyConnection,
    out: Path,
    start: date,
    end: date,
    entity: str,
    *,
    series: str = "A",
    today: date | None = None,
) -> int:
    """Write the SIE4 file; returns the number of vouchers."""
    found = vouchers(conn, start, end, entity)
    text = sie4(found, company=entity, start=start, generated=today or date.today(), series=series)
    Path(out).write_bytes(text.encode("cp437", errors="replace"))
    return len(found)
