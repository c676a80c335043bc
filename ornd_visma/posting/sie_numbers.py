"""Voucher numbers of the SIE export that never repeat within a fiscal year and series.

Decision: the numbers are our own, persisted in `posting.sie_numbers` keyed by the outbox key
and the series, not Visma's (`NumberAndNumberSeries`): the file is for books kept *without*
the API, where Visma has no number for the voucher, and mixing Visma's numbers for some
vouchers with ours for the rest would let the two collide in one series.

* A voucher numbered once keeps its number in every later export of that series, whatever
  the range; a new one gets the next number (the highest ever given + 1) of its fiscal year,
  series and entity, in the order the export lists them (date, then outbox creation). So
  numbers follow dates within one export, not necessarily across exports: a voucher that
  reaches the outbox late, dated before ones already numbered, gets the next number.
* A number is never given again, even when its voucher is later superseded or the export
  that gave it fails after numbering (the file is written, then the numbers committed).
* A voucher numbered in one fiscal year whose fiscal year is now another (the years came
  from the mapping in one export and from Visma in the next, and they differ) is refused:
  its number would not be unique in its new year.
"""

from datetime import date

import duckdb

from ornd_visma.posting.outbox import ensure_schema, now
from ornd_visma.posting.sie_company import FiscalYear, SieError


def assign(
    conn: duckdb.DuckDBPyConnection,
    entity: str,
    series: str,
    vouchers: list[tuple[str, date, FiscalYear]],
) -> dict[str, int]:
    """The number of each `(outbox key, voucher date, fiscal year)`; new ones are inserted
    (in the caller's transaction, which decides when they count)."""
    ensure_schema(conn)
    keys = [key for key, _, _ in vouchers]
    known: dict[str, tuple[int, date, date]] = {}
    if keys:
        marks = ", ".join("?" for _ in keys)
        for key, number, start, end in conn.execute(
            f"""SELECT outbox_key, number, fiscal_year_start, fiscal_year_end
                FROM posting.sie_numbers WHERE series = ? AND outbox_key IN ({marks})""",
            [series, *keys],
        ).fetchall():
            known[key] = (number, start, end)
    out: dict[str, int] = {}
    last: dict[date, int] = {}
    stamp = now()
    for key, day, year in vouchers:
        if key in known:
            number, start, end = known[key]
            if (start, end) != (year.start, year.end):
                raise SieError(
                    f"voucher {key} was numbered {series} {number} in the fiscal year "
                    f"{start}–{end}, but its fiscal year is now {year.start}–{year.end}: "
                    "make the mapping's fiscal_year_start_month agree with Visma's fiscal years"
                )
            out[key] = number
            continue
        if year.start not in last:
            last[year.start] = conn.execute(
                """SELECT coalesce(max(number), 0) FROM posting.sie_numbers
                   WHERE entity = ? AND series = ? AND fiscal_year_start = ?""",
                [entity, series, year.start],
            ).fetchone()[0]
        last[year.start] += 1
        out[key] = last[year.start]
        conn.execute(
            "INSERT INTO posting.sie_numbers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [key, series, entity, year.start, year.end, out[key], day, stamp],
        )
        known[key] = (out[key], year.start, year.end)
    return out
