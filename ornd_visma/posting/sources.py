"""What planning reads from the warehouse besides the outbox's rows: the window's documents
and lines (`core`), the hand holds, the customers' OfficeRnD records (`staging`), the
locations' codes, the periodisation tables, and which posted documents left the books.

Kept apart from `planning` so that the planner's input is rows: everything here is a read,
done once per run (or per window) and cached where planning asks often.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from ornd_visma.posting.outbox import loads

HERE = Path(__file__).parent
DOCUMENTS_SQL = (HERE / "documents.sql").read_text()
LINES_SQL = (HERE / "lines.sql").read_text()
SETTLED_SQL = (HERE / "settled.sql").read_text()
CUSTOMER_TABLES = (("company", "companies"), ("member", "members"))


@dataclass(frozen=True)
class Unparsed:
    """A staging payload that gives no record: not JSON, or JSON null (the reason)."""

    reason: str


def dicts(result: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


class Sources:
    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self._customers: dict[tuple[str, str], str] | None = None
        self._location_codes: dict[str, str] | None = None

    def documents(self, start: date, end: date) -> list[dict]:
        """The documents with business dates in [start, end), with their customer's name."""
        return dicts(self.conn.execute(DOCUMENTS_SQL, {"start": start, "end": end}))

    def lines(self, start: date, end: date) -> dict[str, list[dict]]:
        """The window's invoice lines by document, in line order."""
        out: dict[str, list[dict]] = {}
        for line in dicts(self.conn.execute(LINES_SQL, {"start": start, "end": end})):
            out.setdefault(line["document_id"], []).append(line)
        return out

    def settled(self, start: date, end: date, key_prefix: str) -> set[str]:
        """The window's documents whose current revision is confirmed and whose other rows
        are all done with (`settled.sql`): planning them would change nothing."""
        params = {"start": start, "end": end, "prefix": key_prefix}
        return {d for (d,) in self.conn.execute(SETTLED_SQL, params).fetchall()}

    def holds(self) -> dict[str, str]:
        """Documents held by hand: id -> reason."""
        return dict(self.conn.execute("SELECT document_id, reason FROM posting.holds").fetchall())

    def customer_record(self, customer_type: str, customer_id: str) -> Any:
        """The customer's OfficeRnD record as JSON values (numbers as Decimal), None when
        staging has none, `Unparsed` when its payload is not JSON or is null."""
        if self._customers is None:
            self._customers = {}
            for kind, table in CUSTOMER_TABLES:
                for ident, payload in self.conn.execute(
                    f"SELECT id, payload FROM staging.{table}"
                ).fetchall():
                    self._customers[(kind, ident)] = payload
        text = self._customers.get((customer_type, customer_id))
        if text is None:
            return None
        try:
            record = loads(text)
        except (ValueError, TypeError) as error:  # JSONDecodeError, a number past int's limit
            return Unparsed(f"not JSON: {str(error).splitlines()[0][:200] if str(error) else '?'}")
        return Unparsed("JSON null, not a record") if record is None else record

    def location_codes(self) -> dict[str, str]:
        """OfficeRnD location id -> its code (`STH`), from staging (none without it)."""
        if self._location_codes is None:
            staged = self.conn.execute(
                "SELECT 1 FROM duckdb_tables() "
                "WHERE schema_name = 'staging' AND table_name = 'locations'"
            ).fetchone()
            self._location_codes = (
                dict(self.conn.execute("SELECT id, code FROM staging.locations").fetchall())
                if staged
                else {}
            )
        return self._location_codes

    def voided(self, start: date, end: date) -> list[str]:
        """Documents of the window confirmed in Visma that `core` no longer has."""
        return [
            document_id
            for (document_id,) in self.conn.execute(
                """SELECT DISTINCT o.document_id FROM posting.outbox o
                   WHERE o.kind IN ('ledger_item', 'invoice') AND o.state = 'confirmed'
                     AND o.business_date >= ? AND o.business_date < ?
                     AND o.document_id NOT IN (SELECT document_id FROM core.documents)""",
                [start, end],
            ).fetchall()
        ]

    def periodisation(self, table: str) -> list[dict]:
        """The rows of a periodisation table (`core.revenue_deferrals`, `..._accruals`)."""
        return dicts(self.conn.execute(f"SELECT * FROM {table} ORDER BY ALL"))
