"""A long business-date window cut into month-long pieces, so a backfill's memory stays that
of a month whatever its length.

Staging and the books replace a window's rows as a function of that window's records alone
(a range equals the union of its days), so building a window piece by piece gives the same
rows as building it at once. DuckDB does not spill every operator to disk: the books' query
over two years of the large operator needed about 1 GB, and validating two years of fees held
every record in Python at once.

The pieces start where the data's months start, and cover the window without a gap (a month
without records joins the piece before it), so a month whose records all went away is still
cleared. The last piece keeps the window's end, open (None) included.
"""

from datetime import date

import duckdb


def month_pieces(
    conn: duckdb.DuckDBPyConnection, table: str, start: date, end: date | None
) -> list[tuple[date, date | None]]:
    """`[start, end)` cut at the first day of each month `table`'s `business_date` has rows
    in (one piece when the window holds one month or none)."""
    rows = conn.execute(
        f"""SELECT DISTINCT date_trunc('month', business_date)::DATE AS month
            FROM {table}
            WHERE business_date > $start AND ($end IS NULL OR business_date < $end)
            ORDER BY month""",
        {"start": start, "end": end},
    ).fetchall()
    cuts = [month for (month,) in rows if month > start]
    starts = [start, *cuts]
    return list(zip(starts, [*cuts, end], strict=True))
