"""`ornd-visma`: OfficeRnD Flex to Visma eAccounting, from the command line.

Try it:       demo (the whole loop on the sandbox), generate, sandbox [inspect]
Set it up:    connect visma|officernd, init, doctor
Run it:       run --from DAY --to DAY [--dry-run]   (the same run the Dagster UI makes)
Control it:   hold, release, export-sie

Every command answers bad input with one line and a non-zero exit (ORND_VISMA_DEBUG=1: the
traceback).
"""

import argparse
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

from ornd_visma.config import (
    SANDBOX_CREDENTIAL,
    SANDBOX_HOME,
    SANDBOX_OFFICERND_PORT,
    SANDBOX_VISMA_PORT,
)


def _generate(args: argparse.Namespace) -> int:
    from ornd_visma.sandbox.dataset import write_dataset
    from ornd_visma.sandbox.generator import DEFAULT_TODAY, generate

    dataset = generate(args.scale, args.seed, args.defects, args.today or DEFAULT_TODAY)
    write_dataset(args.out, dataset.collections, dataset.defects)
    counts = ", ".join(f"{name} {len(rows)}" for name, rows in dataset.collections.items())
    print(f"wrote {args.out} ({dataset.start} .. {dataset.today}): {counts}")
    if dataset.defects:
        print(f"planted {len(dataset.defects)} defects, listed in {args.out / 'defects.json'}")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    if args.action == "inspect":
        from ornd_visma.sandbox.visma import inspect_state
        from ornd_visma.sandbox.visma.store import db_path

        if not db_path(args.state).exists():
            return _fail(
                "sandbox inspect",
                f"no simulated Visma under --state {args.state} (run `make demo` or "
                "`ornd-visma sandbox` first, or name the state directory it used)",
            )
        print(json.dumps(inspect_state(args.state), indent=2, ensure_ascii=False, default=str))
        return 0
    if not (args.dataset / "locations.json").is_file():
        return _fail(
            "sandbox",
            f"--dataset {args.dataset} is not a dataset directory (no locations.json): "
            "`ornd-visma generate --out DIR` writes one, `make demo` writes .sandbox/dataset",
        )
    from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
    from ornd_visma.sandbox.server import serve_forever
    from ornd_visma.sandbox.visma import VismaOptions, create_visma_app

    officernd = create_officernd_app(
        args.dataset,
        args.state,
        OfficeRnDOptions(
            today=args.today,
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            drop_rate=args.drop_rate,
            truncate_rate=args.truncate_rate,
            read_limit_per_minute=args.read_limit,
            write_limit_per_minute=args.write_limit,
            limit_over_max=args.limit_over_max,
            fault_seed=args.fault_seed,
        ),
    )
    visma = create_visma_app(
        args.state,
        VismaOptions(
            rate_limit_per_minute=args.visma_rate_limit,
            latency_ms=args.visma_latency_ms,
            error_rate=args.visma_error_rate,
            timeout_rate=args.visma_timeout_rate,
            drop_after_commit_rate=args.visma_drop_rate,
            fault_seed=args.fault_seed,
        ),
    )
    o_url = f"http://127.0.0.1:{args.officernd_port}"
    v_url = f"http://127.0.0.1:{args.visma_port}"
    print(f"OfficeRnD sandbox: OFFICERND_API_URL={o_url}/api/v2 OFFICERND_AUTH_URL={o_url}")
    print(
        f"  org slug {SANDBOX_CREDENTIAL}, client id {SANDBOX_CREDENTIAL}, "
        f"client secret {SANDBOX_CREDENTIAL}; live changes under {o_url}/_sandbox/"
    )
    print(f"Visma sandbox:     VISMA_API_URL={v_url}/v2 VISMA_AUTH_URL={v_url}")
    print(
        f"  client id {SANDBOX_CREDENTIAL}, client secret {SANDBOX_CREDENTIAL}; "
        f"state in {args.state}"
    )
    print("Ctrl-C stops both.", flush=True)
    serve_forever([(officernd, args.officernd_port), (visma, args.visma_port)])
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ornd_visma.sandbox.demo import format_report, run_demo

    print(f"generating a {args.scale} dataset (seed {args.seed}) in {args.dir} ...", flush=True)
    report = run_demo(args.dir, args.scale, args.seed, args.defects)
    print(format_report(report))
    home = args.dir
    print(
        f"\nwhere everything is: dataset {home / 'dataset'}, simulators' state "
        f"{home / 'state'}, warehouse {home / 'warehouse.duckdb'} (analysts: "
        f"{home / 'warehouse.snapshot.duckdb'})"
    )
    print(
        "next: `make ui` to see the run in Dagster; `ornd-visma sandbox` serves this operator "
        "again for `ornd-visma run`; `doctor`, `export-sie`, `hold` work on it as they are"
        if home == SANDBOX_HOME
        else f"next: set ORND_VISMA_WAREHOUSE={home / 'warehouse.duckdb'} for the other commands"
    )
    return 0 if report.success else 1


def _run(args: argparse.Namespace) -> int:
    from ornd_visma.run_command import run

    return run(args.date_from, args.date_to, args.dry_run)


def _doctor(args: argparse.Namespace) -> int:
    from ornd_visma.mapping.doctor import run_doctor

    return run_doctor(args.mapping, args.dataset, args.warehouse, visma=not args.no_visma)


def _init(args: argparse.Namespace) -> int:
    from ornd_visma.mapping.init_command import run_init

    return run_init(args.out, args.dataset, args.warehouse, args.entity, args.force)


def _posting(args: argparse.Namespace) -> int:
    from ornd_visma.posting import commands

    return getattr(commands, args.posting_command)(args)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date and time as YYYY-MM-DDTHH:MM:SSZ, got {text!r}"
        ) from None


def _share(text: str) -> float:
    """A share of records, between 0 and 1 (0.02 is 2 %)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"expected a share between 0 and 1 (0.02 is 2 %), got {text!r}"
        )
    return value


_iso_date.__name__ = "date"  # argparse names the type in its "invalid <type> value" line
_iso_datetime.__name__ = "date and time"
_share.__name__ = "share"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ornd-visma", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser(
        "generate", help="write a generated coworking operator as an OfficeRnD dataset directory"
    )
    gen.add_argument("--scale", choices=("small", "demo", "large"), default="small")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument(
        "--defects",
        type=_share,
        default=0.0,
        metavar="RATE",
        help="share of records to corrupt (listed in defects.json)",
    )
    gen.add_argument("--today", type=_iso_date, help="the simulated today (default 2026-11-20)")
    gen.set_defaults(func=_generate)

    box = commands.add_parser(
        "sandbox",
        help="serve a dataset through the OfficeRnD and Visma simulators on 127.0.0.1, or "
        "inspect what the simulated Visma holds",
    )
    box.add_argument(
        "action",
        nargs="?",
        choices=("serve", "inspect"),
        default="serve",
        help="serve (default) or inspect: print what the simulated Visma holds",
    )
    box.add_argument(
        "--dataset", type=Path, default=SANDBOX_HOME / "dataset", help="default: the demo's"
    )
    box.add_argument(
        "--state", type=Path, default=SANDBOX_HOME / "state", help="default: the demo's"
    )
    box.add_argument("--officernd-port", type=int, default=SANDBOX_OFFICERND_PORT)
    box.add_argument("--visma-port", type=int, default=SANDBOX_VISMA_PORT)
    box.add_argument(
        "--today",
        type=_iso_datetime,
        help="OfficeRnD's simulated now (default: the dataset's newest change)",
    )
    box.add_argument("--latency-ms", type=int, default=0)
    box.add_argument("--error-rate", type=_share, default=0.0, help="share of 5xx answers")
    box.add_argument("--drop-rate", type=_share, default=0.0, help="share of dropped connections")
    box.add_argument("--truncate-rate", type=_share, default=0.0, help="share of truncated bodies")
    box.add_argument("--read-limit", type=int, default=400, help="reads per minute per app")
    box.add_argument("--write-limit", type=int, default=100, help="writes per minute per app")
    box.add_argument(
        "--limit-over-max",
        choices=("reject", "cap"),
        default="reject",
        help="$limit above 50: 400 (as observed) or capped (as documented)",
    )
    box.add_argument("--fault-seed", type=int, default=0)
    box.add_argument(
        "--visma-rate-limit",
        type=int,
        default=600,
        help="Visma requests per minute per client and endpoint",
    )
    box.add_argument("--visma-latency-ms", type=int, default=0)
    box.add_argument("--visma-error-rate", type=_share, default=0.0)
    box.add_argument("--visma-timeout-rate", type=_share, default=0.0)
    box.add_argument(
        "--visma-drop-rate",
        type=_share,
        default=0.0,
        help="share of writes stored and then answered with a dropped connection",
    )
    box.set_defaults(func=_sandbox)

    demo = commands.add_parser(
        "demo",
        help="the whole loop on the sandbox: generate an operator, run the pipeline over all "
        "its days, post to the simulated Visma, reconcile (writes .sandbox/)",
    )
    demo.add_argument("--scale", choices=("small", "demo", "large"), default="small")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--defects", type=_share, default=0.0, help="share of records to corrupt")
    demo.add_argument(
        "--dir", type=Path, default=SANDBOX_HOME, help=f"where it writes (default {SANDBOX_HOME})"
    )
    demo.set_defaults(func=_demo)

    run = commands.add_parser(
        "run",
        help="extract, validate, build the books and post to Visma for a range of days, as one "
        "Dagster run (a backfill, shown in the UI); ends with what was posted",
    )
    run.add_argument("--from", dest="date_from", type=_iso_date, required=True)
    run.add_argument("--to", dest="date_to", type=_iso_date, required=True)
    run.add_argument("--dry-run", action="store_true", help="compute everything, post nothing")
    run.set_defaults(func=_run)

    from ornd_visma import connect

    connect.add_parser(commands)

    doctor = commands.add_parser(
        "doctor", help="check the mapping against the OfficeRnD data and against Visma"
    )
    doctor.add_argument("--mapping", help="mapping file (default: ORND_VISMA_MAPPING)")
    source = doctor.add_mutually_exclusive_group()
    source.add_argument("--dataset", help="an OfficeRnD dataset directory instead of the warehouse")
    source.add_argument("--warehouse", help="DuckDB warehouse (default: ORND_VISMA_WAREHOUSE)")
    doctor.add_argument("--no-visma", action="store_true", help="skip the Visma half")
    doctor.set_defaults(func=_doctor)

    init = commands.add_parser(
        "init", help="propose a mapping file from OfficeRnD and Visma, then run doctor on it"
    )
    init.add_argument("--out", type=Path, required=True, help="the mapping file to write")
    source = init.add_mutually_exclusive_group()
    source.add_argument("--dataset", help="an OfficeRnD dataset directory instead of the API")
    source.add_argument("--warehouse", help="the staged DuckDB warehouse instead of the API")
    init.add_argument(
        "--entity", default="main", help="the Visma company (default main: VISMA_* variables)"
    )
    init.add_argument("--force", action="store_true", help="replace --out if it exists")
    init.set_defaults(func=_init)

    hold = commands.add_parser("hold", help="keep one document from being posted to Visma")
    hold.add_argument("document", help="the OfficeRnD document (payment) id")
    hold.add_argument("--reason", required=True, help="why (shown in the outbox and the UI)")
    hold.set_defaults(func=_posting, posting_command="hold")
    release = commands.add_parser("release", help="let a held document be posted (or corrected)")
    release.add_argument("document", help="the OfficeRnD document (payment) id")
    release.set_defaults(func=_posting, posting_command="release")
    revalidate = commands.add_parser(
        "revalidate",
        help="make the next run validate every record and build every table again (it "
        "otherwise redoes only what changed)",
    )
    revalidate.set_defaults(func=_revalidate)
    sie = commands.add_parser("export-sie", help="write the posting vouchers as a SIE4 file")
    sie.add_argument("--from", dest="date_from", type=_iso_date, required=True)
    sie.add_argument("--to", dest="date_to", type=_iso_date, required=True)
    sie.add_argument("--out", type=Path, required=True)
    sie.add_argument("--entity", default="main", help="the mapping's entity (Visma company)")
    sie.add_argument("--series", default="A", help="the #VER series (default A)")
    sie.add_argument(
        "--no-visma",
        action="store_true",
        help="do not ask Visma for the company, fiscal years and account names (the mapping's)",
    )
    sie.set_defaults(func=_posting, posting_command="export_sie")
    return parser


def _revalidate(args: argparse.Namespace) -> int:
    from ornd_visma.posting.commands import connect_warehouse
    from ornd_visma.warehouse.forget import forget_builds

    conn = connect_warehouse()
    try:
        cleared = forget_builds(conn)
    finally:
        conn.close()
    what = ", ".join(f"{table} ({rows} rows)" for table, rows in cleared.items()) or "nothing"
    print(f"forgot {what}: the next run validates every record and builds every table again")
    return 0


def _fail(command: str, why: str) -> int:
    print(f"ornd-visma {command}: {why}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail(args.command, "interrupted")
    except (OSError, ValueError, RuntimeError) as error:
        # The last net under every command: one line, never a traceback
        # (ORND_VISMA_DEBUG=1 shows it).
        if os.environ.get("ORND_VISMA_DEBUG"):
            raise
        return _fail(args.command, f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    sys.exit(main())
