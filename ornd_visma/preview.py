"""A few rows of a table, and the Markdown table Dagster's UI shows them in.

Cells come from OfficeRnD records and the warehouse, so a value may hold a line break, a
`|` or a control character that would end the row or the cell: each cell is one line of
visible text (`clean_text`), cut to `CELL_MAX` characters, with `\\` and `|` escaped. Rows
are read with `fetchall()` rather than through pandas: a preview is a handful of rows, and
a DataFrame and `to_markdown` cost a few milliseconds each for every table of every run.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from ornd_visma.text import clean_text

CELL_MAX = 80


def cell(value: object) -> str:
    """One value as a Markdown table cell: None and NaN empty, one line, `|` escaped."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return clean_text(value, CELL_MAX).replace("\\", "\\\\").replace("|", "\\|")


@dataclass(frozen=True)
class Preview:
    """Column names and the rows shown (all of them; `more` rows were left out)."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    more: int = 0

    @classmethod
    def of_query(
        cls, conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None
    ) -> "Preview":
        cursor = conn.execute(sql, params or [])
        return cls(tuple(d[0] for d in cursor.description), tuple(cursor.fetchall()))

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, limit: int) -> "Preview":
        head = frame.head(limit)
        return cls(
            tuple(map(str, head.columns)),
            tuple(head.itertuples(index=False, name=None)),
            max(0, len(frame) - limit),
        )

    @classmethod
    def of_records(cls, records: Sequence[Mapping], limit: int) -> "Preview":
        columns = tuple(records[0]) if records else ()
        rows = tuple(tuple(r[c] for c in columns) for r in records[:limit])
        return cls(columns, rows, max(0, len(records) - limit))

    @property
    def empty(self) -> bool:
        return not self.rows

    def markdown(self, empty: str = "(none)") -> str:
        if not self.rows:
            return empty
        lines = [_row(self.columns), "|" + "---|" * len(self.columns)]
        lines += [_row(r) for r in self.rows]
        if self.more:
            lines.append(f"\n… and {self.more} more")
        return "\n".join(lines)


def _row(values: Iterable[object]) -> str:
    return "| " + " | ".join(map(cell, values)) + " |"


def records_markdown(records: Sequence[Mapping], limit: int = 40) -> str:
    """Dicts of the same keys as a Markdown table of at most `limit` rows."""
    return Preview.of_records(records, limit).markdown()
