"""The posting commands of the CLI: `hold`, `release`, `export-sie` (on the warehouse)."""

import argparse
import sys

import duckdb

from ornd_visma.config import warehouse_path


def _connect(read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = warehouse_path()
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        raise SystemExit(
            f"cannot open the warehouse {path} ({error}); a run may be writing it: retry when "
            "it is done"
        ) from error


def hold(args: argparse.Namespace) -> int:
    from ornd_visma.posting.outbox import Outbox

    conn = _connect()
    try:
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
