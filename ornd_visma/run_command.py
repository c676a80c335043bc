"""`ornd-visma run --from DAY --to DAY [--dry-run]`: one Dagster run of the daily job over a
range of days, as the UI's backfill makes it, with what a person needs around it.

Before: the range is checked against the partitions, the warehouse's run lock must be free,
and OfficeRnD and each Visma company must answer (`preflight`), each failing in one line.
During: the run executes in a child process (Dagster's in-process executor captures SIGINT
and SIGTERM and lets the run go on), printing its progress; a SIGINT or SIGTERM to this
command kills the child at once and marks the run canceled in the instance. Killing is safe:
the outbox is written before every request and recovered by tag on the next run (docs/
posting.md, "Exactly once"), and the kernel frees the child's locks. After: the summary of
what reached Visma, what is held, refused or waiting, and the companies out of reach; exit 1
when the run failed, anything was refused or a company was out of reach.
"""

import multiprocessing
import signal
import sys
import uuid
from datetime import date, timedelta
from multiprocessing.connection import Connection
from typing import Any

KILL_GRACE_S = 5.0


def range_problem(start: date, end: date) -> str | None:
    """Why `--from start --to end` is no range of the daily partitions, or None."""
    from ornd_visma.config import start_date

    first, last = date.fromisoformat(start_date()[:10]), date.today() - timedelta(days=1)
    if start > end:
        return f"--from {start} is after --to {end}"
    if start < first:
        return (
            f"--from {start} is before the first day of the books, {first} "
            "(ORND_VISMA_START_DATE)"
        )
    if end > last:
        return f"--to {end} is after yesterday, {last}, the latest day that can be run"
    return None


def _child(start: date, end: date, dry_run: bool, run_id: str, out: Connection) -> None:
    """The run itself, in the child process: its outcome sent back as plain data."""
    from ornd_visma.definitions import failed_steps, launch_range, unreachable_companies
    from ornd_visma.runlock import Busy

    try:
        result = launch_range(start, end, dry_run=dry_run, run_id=run_id, progress=True)
    except Busy as busy:
        out.send({"busy": str(busy)})
        return
    out.send(
        {
            "success": result.success,
            "steps": failed_steps(result),
            "unreachable": unreachable_companies(result),
        }
    )


def _supervise(start: date, end: date, dry_run: bool, run_id: str) -> dict[str, Any] | None:
    """Run `_child` and wait for it; None when a signal stopped it (the run is canceled)."""
    from ornd_visma.definitions import canceled

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(start, end, dry_run, run_id, send))
    stop: dict[str, int] = {}

    def on_signal(signum: int, frame: object) -> None:
        stop["signal"] = signum

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        child.start()
        while child.is_alive() and "signal" not in stop:
            child.join(0.2)
        if "signal" in stop:
            child.kill()
            child.join(KILL_GRACE_S)
            canceled(run_id)
            return None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if receive.poll():
        return receive.recv()
    return {"success": False, "steps": [f"the run's process ended with {child.exitcode}"]}


def run(start: date, end: date, dry_run: bool) -> int:
    from ornd_visma.config import warehouse_path
    from ornd_visma.posting.outbox import now
    from ornd_visma.preflight import problems
    from ornd_visma.runlock import Busy, ensure_free, run_lock

    problem = range_problem(start, end)
    if problem:
        return _fail(problem)
    warehouse = warehouse_path()
    try:
        ensure_free(run_lock(warehouse), f"the warehouse {warehouse}")
    except Busy as busy:
        return _fail(str(busy))
    unreachable = problems(visma=not dry_run)
    if unreachable:
        for line in unreachable[:-1]:
            print(f"ornd-visma run: {line}", file=sys.stderr)
        return _fail(unreachable[-1])
    began, run_id = now(), str(uuid.uuid4())
    print(
        f"run {run_id}: {start} .. {end}{' (dry run)' if dry_run else ''}; watch it in the UI "
        f"(make ui): http://127.0.0.1:3000/runs/{run_id}",
        flush=True,
    )
    outcome = _supervise(start, end, dry_run, run_id)
    if outcome is None:
        return _fail(f"run {run_id} stopped by a signal and marked canceled")
    if "busy" in outcome:
        return _fail(outcome["busy"])
    print(f"run {run_id}: {'success' if outcome['success'] else 'FAILURE'}")
    for step in outcome["steps"]:
        print(f"  step failed: {step}")
    summary = _posting_outcome(began, outcome.get("unreachable") or {})
    if summary is None:
        return 1
    lines, trouble = summary
    print("\n".join(lines))
    return 0 if outcome["success"] and not trouble else 1


def _posting_outcome(began, unreachable: dict[str, str]) -> tuple[list[str], bool] | None:
    """The summary lines of what the outbox holds now, and whether anything failed or was
    out of reach; None when the warehouse cannot be read (said on stderr)."""
    import duckdb

    from ornd_visma.config import warehouse_path
    from ornd_visma.posting.standing import standing, summary_lines

    path = warehouse_path()
    if not path.exists():
        return [f"the warehouse {path} was not written: nothing posted"], True
    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        print(f"ornd-visma run: cannot read the warehouse {path}: {error}", file=sys.stderr)
        return None
    try:
        state = standing(conn, began)
    finally:
        conn.close()
    return summary_lines(state, unreachable), bool(state.failed or unreachable)


def _fail(why: str) -> int:
    print(f"ornd-visma run: {why}", file=sys.stderr)
    return 1
