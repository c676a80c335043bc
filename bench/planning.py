"""Benchmark: planning the outbox (a dry run) and staging the facts, at three scales.

For each scale (small, demo, large; seed 7), the generated operator is built once into a DuckDB
file under `bench/.data/planning/` without Dagster (raw written as extraction writes it, every
table staged, the books built), timing the staging of the facts on the way. Then a dry run
plans the whole range (`Poster(dry_run=True).run`: documents, their customers, corrections)
and prints seconds, ms per document and the ratio of each scale's figure to the smallest's:
linear work keeps ms/document flat.

    .venv/bin/python bench/planning.py [--scales small,demo,large] [--rebuild] [--profile]

`--profile` writes a cProfile of each scale's planning and fact staging next to its warehouse.
"""

import argparse
import cProfile
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from ornd_visma.books.booking_accounting import build_booking_accounting  # noqa: E402
from ornd_visma.books.invoice_lines import build_documents  # noqa: E402
from ornd_visma.books.revenue import (  # noqa: E402
    build_revenue_accruals,
    build_revenue_deferrals,
    build_revenue_schedule,
)
from ornd_visma.mapping import load_mapping  # noqa: E402
from ornd_visma.officernd.collections import COLLECTIONS, collection  # noqa: E402
from ornd_visma.posting.poster import Poster  # noqa: E402
from ornd_visma.warehouse.raw import ensure_raw, write_records  # noqa: E402
from ornd_visma.warehouse.staging import FACTS, stage_dimension, stage_fact_window  # noqa: E402

DATA = ROOT / "bench" / ".data" / "planning"
SANDBOX_MAPPING = ROOT / "ornd_visma" / "mapping" / "sandbox.yaml"
EVERYTHING = date(2000, 1, 1)
SEED = 7
# Dimensions in the order references need them (as `assets/staging.py` stages them).
DIMENSION_ORDER = (
    "tax-rates", "revenue-accounts", "plans", "resource-rates", "resource-types", "locations",
    "business-hours", "floors", "resources", "companies", "members", "memberships",
    "assignments", "contracts", "credits", "coins",
)  # fmt: skip


def _profiled(profile: Path | None, work):
    if profile is None:
        return work()
    profiler = cProfile.Profile()
    result = profiler.runcall(work)
    profiler.dump_stats(str(profile))
    return result


def build(scale: str, rebuild: bool, profile: bool) -> tuple[Path, dict[str, float]]:
    """The scale's warehouse (built once), and the seconds staging each fact took."""
    path = DATA / f"{scale}.duckdb"
    stamp = DATA / f"{scale}.staging.txt"
    if path.exists() and stamp.exists() and not rebuild:
        pairs = (line.split() for line in stamp.read_text().splitlines() if line)
        return path, {name: float(seconds) for name, seconds in pairs}
    from ornd_visma.sandbox.generator import generate

    DATA.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    dataset = generate(scale, SEED)
    conn = duckdb.connect(str(path))
    now = datetime.now(UTC).replace(tzinfo=None)
    for c in COLLECTIONS:
        ensure_raw(conn, c)
        records = dataset.collections.get(c.name, [])
        if records:
            write_records(conn, c, records, "bench", now)
    for name in DIMENSION_ORDER:
        stage_dimension(conn, collection(name))
    seconds = {}
    for f in FACTS:
        began = time.perf_counter()
        where = DATA / f"{scale}.stage-{f.table_name}.prof" if profile else None
        _profiled(where, lambda f=f: stage_fact_window(conn, f, EVERYTHING, None))
        seconds[f.table_name] = time.perf_counter() - began
    mapping = load_mapping(SANDBOX_MAPPING)
    build_documents(conn, mapping, EVERYTHING, None, mapping.rounding_mode())
    build_revenue_schedule(conn, EVERYTHING, None)
    build_revenue_deferrals(conn)
    build_revenue_accruals(conn)
    build_booking_accounting(conn)
    conn.close()
    stamp.write_text("".join(f"{k} {v:.3f}\n" for k, v in seconds.items()))
    return path, seconds


def plan(path: Path, profile: bool) -> tuple[float, float, int, int]:
    """(seconds, seconds again once all is confirmed, documents, outbox rows) of a dry run
    over the whole range, on a copy."""
    work = path.with_suffix(".plan.duckdb")
    shutil.copy(path, work)
    conn = duckdb.connect(str(work))
    try:
        documents = conn.execute("SELECT count(*) FROM core.documents").fetchone()[0]
        mapping = load_mapping(SANDBOX_MAPPING)
        began = time.perf_counter()
        where = path.with_suffix(".plan.prof") if profile else None
        _profiled(where, lambda: Poster(conn, mapping, dry_run=True).run(EVERYTHING, None))
        seconds = time.perf_counter() - began
        rows = conn.execute("SELECT count(*) FROM posting.outbox").fetchone()[0]
        # The next day's run: everything planned is in Visma, nothing changed.
        conn.execute("UPDATE posting.outbox SET state = 'confirmed' WHERE state = 'would_post'")
        began = time.perf_counter()
        Poster(conn, mapping, dry_run=True).run(EVERYTHING, None)
        again = time.perf_counter() - began
    finally:
        conn.close()
        work.unlink(missing_ok=True)
    return seconds, again, documents, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,demo,large")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the warehouses")
    parser.add_argument("--profile", action="store_true", help="write cProfile files")
    args = parser.parse_args()
    results = []
    for scale in args.scales.split(","):
        path, staging = build(scale, args.rebuild, args.profile)
        seconds, again, documents, rows = plan(path, args.profile)
        results.append((scale, documents, rows, seconds, again, staging))
        print(f"{scale}: planned {documents} documents ({rows} outbox rows) in {seconds:.2f} s, "
              f"again once confirmed in {again:.2f} s", flush=True)  # fmt: skip
    base = results[0]
    print()
    print(
        "| scale | documents | outbox rows | plan s | ms/document | × documents | × ms/doc "
        "| re-plan s (all confirmed) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for scale, documents, rows, seconds, again, _ in results:
        per = 1000 * seconds / documents
        base_per = 1000 * base[3] / base[1]
        print(f"| {scale} | {documents:,} | {rows:,} | {seconds:.2f} | {per:.2f} "
              f"| {documents / base[1]:.1f} | {per / base_per:.2f} | {again:.2f} |")  # fmt: skip
    print()
    print("| scale | " + " | ".join(f"stage {t} s" for t in results[0][-1]) + " |")
    print("|---|" + "---:|" * len(results[0][-1]))
    for scale, *_, staging in results:
        print(f"| {scale} | " + " | ".join(f"{s:.2f}" for s in staging.values()) + " |")


if __name__ == "__main__":
    main()
