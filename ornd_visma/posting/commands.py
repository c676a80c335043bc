"""The posting commands of the CLI: `hold`, `release`, `export-sie` (on the warehouse)."""

import argparse
import sys
from typing import TYPE_CHECKING

import duckdb

from ornd_visma.config import warehouse_path
from ornd_visma.warehouse.tables import table_exists

if TYPE_CHECKING:
    from ornd_visma.mapping.model import Mapping
    from ornd_visma.posting.sie_company import VismaCompany


def connect_warehouse(read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = warehouse_path()
    if not path.exists():  # connecting would create an empty one and report on nothing
        raise SystemExit(
            f"no warehouse at {path}: run the pipeline first (`make demo`, `ornd-visma run`), "
            "or point ORND_VISMA_WAREHOUSE at it"
        )
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        raise SystemExit(f"cannot open the warehouse {path}: {_why(error)}") from error


def _why(error: duckdb.IOException) -> str:
    """DuckDB's reason in the user's terms: the two a user can act on, else DuckDB's own."""
    message = str(error)
    if "not a valid DuckDB database file" in message:
        return "it is not a DuckDB database; point ORND_VISMA_WAREHOUSE at the warehouse file"
    if "Could not set lock" in message:
        return "a run is writing it; retry when it is done"
    return message.splitlines()[0] if message else type(error).__name__


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

    conn = connect_warehouse()
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

    conn = connect_warehouse()
    try:
        _known_document(conn, args.document)
        changed = Outbox(conn).release(args.document)
    finally:
        conn.close()
    print(f"released {args.document}: {changed} rows pending, posted on the next run")
    return 0


def export_sie(args: argparse.Namespace) -> int:
    """`ornd-visma export-sie`: 0 and the file, or 1 and one line saying what stopped it."""
    from ornd_visma.posting.sie_company import SieError

    try:
        return _export_sie(args)
    except SieError as error:
        print(f"export-sie: {error}", file=sys.stderr)
        return 1


def _export_sie(args: argparse.Namespace) -> int:
    """The checks that need nothing come first, Visma last: a request that cannot succeed
    costs no call to Visma and numbers nothing."""
    from ornd_visma.config import mapping_path
    from ornd_visma.mapping.load import MappingError, load_mapping
    from ornd_visma.posting.sie import check_request, keyed_vouchers
    from ornd_visma.posting.sie import export_sie as write
    from ornd_visma.posting.sie_company import SieError, company_for

    check_request(args.date_from, args.date_to, args.series, args.out)
    try:
        mapping = load_mapping(mapping_path())
    except MappingError as error:
        raise SieError(f"the mapping file cannot be used: {error}") from None
    if args.entity not in mapping.entities:
        raise SieError(
            f"unknown entity {args.entity!r}: the mapping has {', '.join(sorted(mapping.entities))}"
        )
    path = warehouse_path()
    if not path.exists():
        raise SieError(f"no warehouse at {path}: run the pipeline (or a dry run) first")
    conn = connect_warehouse()
    try:
        has_outbox = conn.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'posting' AND table_name = 'outbox'"
        ).fetchone()[0]
        if not has_outbox:
            raise SieError(
                "no posting.outbox in the warehouse: run the pipeline (or a dry run) first"
            )
        if not keyed_vouchers(conn, args.date_from, args.date_to, args.entity):
            raise SieError(
                f"no vouchers of entity {args.entity} dated {args.date_from} to {args.date_to} "
                "in posting.outbox: nothing to export, no file written"
            )
        visma = None if args.no_visma else _ask_visma(mapping, args.entity)
        company = company_for(mapping, args.entity, visma)
        count = write(conn, args.out, args.date_from, args.date_to, args.entity,
                      company=company, series=args.series)  # fmt: skip
    finally:
        conn.close()
    print(f"wrote {count} vouchers to {args.out} (SIE 4I, CP437, series {args.series}; company, "
          f"fiscal years and account names from {company.source})")  # fmt: skip
    return 0


def _ask_visma(mapping: "Mapping", entity: str) -> "VismaCompany | None":
    """What the entity's Visma company says about itself, or None (said on stderr) when it
    cannot be asked: then the mapping and the BAS table stand in."""
    from ornd_visma.posting.sie_company import read_visma
    from ornd_visma.visma import TokenStore, VismaClient, state_dir, visma_settings

    try:
        settings = visma_settings(entity, mapping.entities[entity].env_prefix)
        with VismaClient(
            settings, TokenStore(state_dir(), entity), max_attempts=2, timeout_s=10.0
        ) as client:
            return read_visma(client)
    except Exception as error:  # any failure means "not reachable": the fallback is said
        print(f"export-sie: Visma ({entity}) could not be asked ({type(error).__name__}: "
              f"{error}); the company, fiscal years and account names come from the mapping",
              file=sys.stderr)  # fmt: skip
        return None
