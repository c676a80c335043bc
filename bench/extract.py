"""Benchmark: extracting the large generated dataset from the OfficeRnD simulator.

Runs, in separate processes against the same simulator (rate limit lifted, so the client's
own cost is measured):
  bare   a loop that only fetches and parses every page: the limit
  bare4  the same with the collections fetched 4 at a time, like ours (for reference)
  ours   `extract_all` into a fresh DuckDB file
  dlt    dlt's `rest_api` source loading the same collections into DuckDB (what a user might
         pick instead; installed on demand)
and prints wall time, peak memory and requests, with the ratios the extract issue sets:
ours ≤ 1.3× bare, ≥ 2× faster than dlt, requests ≤ 1.05× the minimum, peak memory ≤ 1 GiB.

    .venv/bin/python bench/extract.py [--scale large] [--months N] [--repeat N] [--skip-dlt]

`ORND_VISMA_DUCKDB_MEMORY_LIMIT` applies to ours as it does to the warehouse resource.
"""

import argparse
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ornd_visma.officernd.collections import ALL_READ_SCOPES, COLLECTIONS  # noqa: E402

# As `ornd_visma.officernd.extract.DEFAULT_WORKERS`, which is not imported here: it would load
# DuckDB into the bare loop's process and inflate its memory.
OUR_WORKERS = 4

DATA = ROOT / "bench" / ".data"


def _bare(base_url: str, workers: int = 1) -> dict:
    """Fetch and parse every page and keep nothing: collections one after another (the loop
    the issue names), or `workers` at a time like ours (the same concurrency, for reference)."""
    import httpx
    import orjson

    with httpx.Client(timeout=60) as http:
        token = http.post(
            f"{base_url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox",
                "client_secret": "sandbox",
                "scope": " ".join(ALL_READ_SCOPES),
            },
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def one(name: str) -> tuple[int, int]:
            requests, records, params = 0, 0, {"$limit": "50"}
            while True:
                page = orjson.loads(
                    http.get(
                        f"{base_url}/api/v2/organizations/sandbox/{name}",
                        params=params,
                        headers=headers,
                    ).content
                )
                requests += 1
                records += len(page["results"])
                if "cursorNext" not in page:
                    return requests, records
                params = {"$limit": "50", "$cursorNext": page["cursorNext"]}

        with ThreadPoolExecutor(max_workers=workers) as pool:
            counts = list(pool.map(one, [c.name for c in COLLECTIONS]))
    return {"requests": 1 + sum(n for n, _ in counts), "records": sum(n for _, n in counts)}


def _ours(base_url: str) -> dict:
    import duckdb

    from ornd_visma.config import OfficeRnDSettings, duckdb_memory_limit
    from ornd_visma.officernd.client import OfficeRnDClient
    from ornd_visma.officernd.extract import DEFAULT_WORKERS, extract_all

    assert DEFAULT_WORKERS == OUR_WORKERS, "bench/extract.py: update OUR_WORKERS"

    with tempfile.TemporaryDirectory() as tmp:
        limit = duckdb_memory_limit()  # as the warehouse resource applies it
        conn = duckdb.connect(f"{tmp}/wh.duckdb", config={"memory_limit": limit} if limit else {})
        settings = OfficeRnDSettings(
            f"{base_url}/api/v2", base_url, "sandbox", "sandbox", "sandbox"
        )
        with OfficeRnDClient(settings, reads_per_minute=10_000_000) as client:
            results = extract_all(client, conn.cursor, COLLECTIONS)
        conn.close()
        return {
            "requests": client.stats.api_requests + client.stats.token_requests,
            "records": sum(r.records for r in results.values()),
        }


def _dlt(base_url: str) -> dict:
    import dlt
    import httpx
    from dlt.sources.rest_api import rest_api_source

    token = httpx.post(
        f"{base_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox",
            "client_secret": "sandbox",
            "scope": " ".join(ALL_READ_SCOPES),
        },
    ).json()["access_token"]
    source = rest_api_source(
        {
            "client": {
                "base_url": f"{base_url}/api/v2/organizations/sandbox/",
                "auth": {"type": "bearer", "token": token},
                "paginator": {
                    "type": "cursor",
                    "cursor_path": "cursorNext",
                    "cursor_param": "$cursorNext",
                },
            },
            "resource_defaults": {
                "endpoint": {"params": {"$limit": 50}, "data_selector": "results"},
                "write_disposition": "replace",
            },
            "resources": [
                {"name": c.table_name, "endpoint": {"path": c.name}} for c in COLLECTIONS
            ],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = dlt.pipeline(
            pipeline_name="bench",
            destination=dlt.destinations.duckdb(f"{tmp}/dlt.duckdb"),
            dataset_name="raw",
            pipelines_dir=f"{tmp}/pipelines",
        )
        pipeline.run(source)
        # Top-level tables only: dlt also normalises nested lists into child tables.
        counts = pipeline.last_trace.last_normalize_info.row_counts
        records = sum(
            n for table, n in counts.items() if table in {c.table_name for c in COLLECTIONS}
        )
    return {"requests": None, "records": records}


def _peak_rss_mib() -> float:
    """This process's peak resident memory. Not `ru_maxrss`: Linux carries the parent's
    high-water mark into a forked child, and the parent here holds the simulator."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, base_url: str) -> None:

    started = time.perf_counter()
    contenders = {
        "bare": _bare,
        "bare4": lambda url: _bare(url, OUR_WORKERS),
        "ours": _ours,
        "dlt": _dlt,
    }
    result = contenders[kind](base_url)
    result["seconds"] = time.perf_counter() - started
    result["peak_mib"] = _peak_rss_mib()

    print(json.dumps(result))


def measure(kind: str, base_url: str) -> dict | None:
    """Run one contender in its own process (so its peak memory is its own)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, base_url], capture_output=True, text=True
    )
    if out.returncode != 0:
        print(f"{kind} failed:\n{out.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--months",
        type=int,
        help="history length instead of the scale's (memory must not grow with it)",
    )
    parser.add_argument("--skip-dlt", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of bare and ours, alternated; medians are reported (dlt runs once)",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "URL"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from ornd_visma.sandbox.dataset import read_dataset, write_dataset
    from ornd_visma.sandbox.generator import SCALES, generate
    from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
    from ornd_visma.sandbox.server import running

    scale = SCALES[args.scale]
    if args.months:
        scale = dataclasses.replace(scale, months=args.months)
    suffix = f"-{args.months}m" if args.months else ""
    dataset_dir = DATA / f"{args.scale}{suffix}-{args.seed}"
    if not (dataset_dir / "payments.json").exists():
        print(f"generating the {args.scale}{suffix} dataset ...", flush=True)
        data = generate(scale, args.seed)
        write_dataset(dataset_dir, data.collections, data.defects)
    counts = {name: len(rows) for name, rows in read_dataset(dataset_dir).items()}
    minimum = 1 + sum(max(1, -(-n // 50)) for n in counts.values())
    if not args.skip_dlt:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "dlt[duckdb]==1.31.0"], check=True
        )
    with tempfile.TemporaryDirectory() as state:
        app = create_officernd_app(
            dataset_dir, Path(state), OfficeRnDOptions(read_limit_per_minute=10_000_000)
        )
        with running(app) as url:
            rounds = [
                {kind: measure(kind, url) for kind in ("bare", "ours", "bare4")}
                for _ in range(args.repeat)
            ]
            dlt = None if args.skip_dlt else measure("dlt", url)
    rounds = [r for r in rounds if None not in r.values()]
    if not rounds:
        sys.exit("every round failed")

    print(
        f"\n{sum(counts.values()):,} records in {len(counts)} collections; "
        f"minimum requests {minimum:,} (one page per 50 records, plus one token)\n"
    )
    print(f"{'':10}{'seconds':>10}{'peak MiB':>10}{'requests':>10}{'records':>10}")
    rows = [(f"{kind} {n + 1}", r[kind]) for n, r in enumerate(rounds) for kind in r]
    rows += [("dlt", dlt)] if dlt else []
    for name, r in rows:
        print(
            f"{name:10}{r['seconds']:>10.1f}{r['peak_mib']:>10.0f}"
            f"{r['requests'] if r['requests'] is not None else '-':>10}{r['records']:>10}"
        )
    # The machine is shared by the simulator and the contender: medians over alternated
    # rounds, and each round's own ratio, so a slow minute does not decide the result.
    ratios = [r["ours"]["seconds"] / r["bare"]["seconds"] for r in rounds]
    threaded = [r["ours"]["seconds"] / r["bare4"]["seconds"] for r in rounds]
    ours = {
        "seconds": statistics.median(r["ours"]["seconds"] for r in rounds),
        "peak_mib": max(r["ours"]["peak_mib"] for r in rounds),
        "requests": max(r["ours"]["requests"] for r in rounds),
    }
    bare_s = statistics.median(r["bare"]["seconds"] for r in rounds)
    print(
        f"\nmedian seconds        bare {bare_s:.1f}, ours {ours['seconds']:.1f}"
        f"\nours / bare time      {statistics.median(ratios):.2f} median of rounds "
        f"({', '.join(f'{x:.2f}' for x in ratios)})  (target ≤ 1.30)"
        f"\nours / bare4 time     {statistics.median(threaded):.2f} median of rounds "
        f"({', '.join(f'{x:.2f}' for x in threaded)})  (for reference: the bare loop with "
        f"our {OUR_WORKERS} threads)"
    )
    if dlt:
        print(f"dlt / ours time       {dlt['seconds'] / ours['seconds']:.2f}  (target ≥ 2.00)")
    print(f"ours / min requests   {ours['requests'] / minimum:.3f}  (target ≤ 1.05)")
    print(f"ours peak memory      {ours['peak_mib']:.0f} MiB, the largest round  (target ≤ 1024)")


if __name__ == "__main__":
    main()
