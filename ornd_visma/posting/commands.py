"""The posting commands of the CLI: `hold`, `release`, `export-sie` (on the warehouse)."""

import argparse
import sys

import duckdb

from ornd_visma.config import warehouse_path
from ornd_visma.warehouse.tables import table_exists


def _connect(read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = warehouse_path()
    if not path.exists():  # connecting would create an empty one and report on nothing
        raise SystemExit(
            f"no warehouse at {path}: run the pipeline first (`make demo`, `ornd-visma run`), "
            "or point ORND_VISMA_WAREHOUSE at it"
        )
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        raise SystemExit(
            f"cannot open the warehouse {path} ({error}); a run may be writing it: retry when "
            "it is done"
        ) from error


def _known_document(conn: duckdb.DuckDBPyConnection, ident: str) -> None:
    """SystemExit unless `ident` is the OfficeRnD id of a document the books or the outbox
    know; a document number is answered with the id it stands for."""
    found = (
        conn.execute(
            """SELECT document_id, document_number FROM posting.outbox
           WHERE kind IN ('ledger_item', 'invoice', 'reversal')
             AND (document_id = $1 OR document_number = $1)
           ORDER BY document_id = $1 DESC LIMIT 1""",
            [ident],
        ).fetchone()
        if table_exists(conn, "posting.outbox")
        else None
    )
    if found is None and table_exists(conn, "core.documents"):
        found = conn.execute(
            """SELECT document_id, document_number FROM core.documents
               WHERE document_id = $1 OR document_number = $1
               ORDER BY document_id = $1 DESC LIMIT 1""",
            [ident],
        ).fetchone()
    if found is None:
        raise SystemExit(f"no document {ident!r} in the warehouse's books or outbox")
    if found[0] != ident:
        raise SystemExit(
            f"{ident} is a document number; the document's id is {found[0]} (use the id)"
        )


def hold(args: argparse.Namespace) -> int:
    from ornd_visma.posting.outbox import Outbox

    conn = _connect()
    try:
        _known_document(conn, args.document)
        changed = Outbox(conn).hold(args.document, args.reason)
    finally:
        conn.close()
    print(f"held {args.document}: {args.reason} ({changed} unsent rows held now; every run "
          "keeps it held until `ornd-visma release`)")  # fmt: skip
    return 0


def release(args: argparse.Namespace) -> int:
    from ornd_visma.posting.outbox import Outbox

    conn = _connect()
    try:
        _known_document(conn, args.document)
        changed = Outbox(conn).release(args.document)
    finally:
        conn.close()
    print(f"released {args.document}: {changed} rows pending, posted on the next run")
    return 0


def export_sie(args: argparse.Namespace) -> int:
    from ornd_visma.posting.sie import export_sie as write

    conn = _connect(read_only=True)
    try:
        count = write(conn, args.out, args.date_from, args.date_to, args.entity,
                      series=args.series)  # fmt: skip
    except duckdb.CatalogException:
        print("no posting.outbox in the warehouse: run the pipeline (or a dry run) first",
              file=sys.stderr)  # fmt: skip
        return 1
    finally:
        conn.close()
    print(f"wrote {count} vouchers to {args.out} (SIE4, CP437)")
    return 0
