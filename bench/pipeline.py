"""Benchmark: what Dagster costs in a run of the pipeline (issue 16).

Two runs, each against a no-op Dagster job of the same shape (`assets/shape.py`: the same
asset graph, partitions, backfill policies, pools and checks, bodies that only report a
materialization), in alternated rounds, each run in its own process and on a fresh instance:
  backfill   the one-run backfill of the whole dataset (dry run, rate limits lifted) on an
             empty warehouse
  daily      the daily run (yesterday's partition) on a copy of the warehouse a backfill left
             (demo scale)
and prints wall time, Dagster's share, events written (the instance's event log of the run),
peak memory and OfficeRnD requests against the floor.

Dagster's share is the no-op's wall time over the real run's wall time (medians over the
rounds): the no-op writes the same events and runs the same machinery, none of the work.

    .venv/bin/python bench/pipeline.py [--scale large|demo|small] [--repeat N]
        [--runs backfill,daily] [--instance sqlite|postgres] [--checksums FILE] [--root DIR]
        [--real-only | --noop-only]

`--instance postgres` starts a throwaway PostgreSQL 15 (`initdb`, `pg_ctl` on 127.0.0.1 in a
temporary directory, stopped at the end; needs `pip install -e '.[postgres]'`) and gives
every round a fresh database. `--checksums FILE` writes each warehouse table's row count and
content hash after the first real backfill (timestamps and run ids left out), to compare two
versions of the code on the same data: `--root DIR` runs the pipeline of another checkout.
"""

import argparse
import cProfile
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"
# Columns that differ between two runs of the same code on the same data.


# The marts that run to `as_of` (MartsConfig): a new calendar day rebuilds them.
AS_OF_OPS = ("recurring_revenue", "occupancy", "customer_lifetime")


def _peak_rss_mib() -> float:
    """This process's peak resident memory (`VmHWM`; not `ru_maxrss`, which a forked child
    inherits from the parent holding the simulator)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler:
    """This process's resident memory every `every_s`, to say which step held the peak."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.every_s, self.samples = every_s, []  # (unix time, MiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append((time.time(), int(line.split()[1]) / 1024))

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    def by_step(self, instance, run_id: str) -> dict[str, list[float]]:
        """Each step's [seconds, highest sample between its start and its end] (steps run
        one at a time in `execute_in_process`)."""
        import dagster as dg

        starts, peaks = {}, {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None or not record.step_key:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[record.step_key] = record.timestamp
            elif event.event_type in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            ) and record.step_key in starts:
                begin, end = starts[record.step_key], record.timestamp
                inside = [mib for t, mib in self.samples if begin <= t <= end]
                peaks[record.step_key] = [end - begin, max(inside, default=0.0)]
        return peaks


def _officernd_requests(url: str) -> int:
    import httpx

    stats = httpx.get(f"{url}/_sandbox/stats").json()
    return sum(stats["requests"].values()) + stats["token_requests"]


def checksums(warehouse: Path) -> dict[str, list]:
    """Per table: rows and a hash of its content, volatile columns left out."""
    import duckdb

    from ornd_visma.warehouse.checksums import table_checksums

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        return table_checksums(conn)
    finally:
        conn.close()


def child(spec: dict) -> None:
    """One run in this process: `spec` names the kind (real or noop), the range, the
    simulator, the warehouse and the Dagster home."""
    os.environ.update(spec["env"])
    sys.path.insert(0, spec["root"])
    import dagster as dg

    from ornd_visma.definitions import defs
    from resources import build_resources
    from resources.officernd import OfficeRnDResource

    class Unlimited(OfficeRnDResource):
        """The resource without the client's own read limit: the simulator's is lifted too."""

        def client(self):
            from ornd_visma.config import OfficeRnDSettings
            from ornd_visma.officernd.client import OfficeRnDClient

            return OfficeRnDClient(
                OfficeRnDSettings(
                    self.api_url, self.auth_url, self.org_slug, self.client_id, self.client_secret
                ),
                reads_per_minute=10_000_000,
            )

    tags = {
        "dagster/asset_partition_range_start": spec["start"],
        "dagster/asset_partition_range_end": spec["end"],
        "ornd_visma/dry_run": "true",
    }
    instance = dg.DagsterInstance.get()
    instance.get_runs_count()  # creates the storage before the clock starts
    requests_before = 0
    if spec["kind"] == "real":
        job = defs.resolve_job_def("daily_books")
        resources = build_resources()
        base = resources["officernd"]
        resources["officernd"] = Unlimited(
            api_url=base.api_url, auth_url=base.auth_url, org_slug="sandbox",
            client_id="sandbox", client_secret="sandbox",
        )  # fmt: skip
        options = {"resources": resources, "run_config": spec.get("run_config")}
        requests_before = _officernd_requests(spec["officernd"])
    else:
        from assets.shape import noop_definitions

        job = noop_definitions(defs).resolve_job_def("daily_books")
        options = {}
    profiler = cProfile.Profile() if spec.get("profile") else None
    started, cpu = time.perf_counter(), time.process_time()
    with RssSampler() as sampler:
        if profiler:
            profiler.enable()
        result = job.execute_in_process(
            instance=instance, tags=tags, raise_on_error=False, **options
        )
        if profiler:
            profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler:
        profiler.dump_stats(spec["profile"])
    requests = 0
    if spec["kind"] == "real":
        requests = _officernd_requests(spec["officernd"]) - requests_before
    by_step = sampler.by_step(instance, result.run_id)
    events = len(instance.all_logs(result.run_id))
    out = {
        "success": result.success,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "events": events,
        "peak_mib": _peak_rss_mib(),
        "requests": requests,
        "by_step": by_step,
    }
    print(json.dumps(out))


def measure(spec: dict) -> dict | None:
    """Run one job in its own process (its peak memory is its own)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True
    )
    if out.returncode != 0:
        print(f"{spec['kind']} failed:\n{out.stderr[-3000:]}", file=sys.stderr)
        return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["success"]:
        print(f"{spec['kind']} run failed:\n{out.stderr[-3000:]}", file=sys.stderr)
    return result


class Postgres:
    """A throwaway PostgreSQL 15 on 127.0.0.1 in a temporary directory, a database per round.
    PostgreSQL refuses to run as root: then it runs as `nobody`."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "pg"
        self.port = _free_port()
        self.count = 0

    def _as_server(self, *command: str) -> None:
        prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def __enter__(self) -> "Postgres":
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
        self._as_server("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust")
        self._as_server(
            "pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
            "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir}", "start",
        )  # fmt: skip
        return self

    def __exit__(self, *_) -> None:
        self._as_server("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def new_database(self) -> str:
        import psycopg2

        self.count += 1
        name = f"dagster_{self.count}"
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres")
        conn.autocommit = True
        conn.cursor().execute(f"CREATE DATABASE {name}")
        conn.close()
        return name


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


POSTGRES_STORAGE = """
storage:
  postgres:
    postgres_db:
      username: postgres
      password: ""
      hostname: 127.0.0.1
      db_name: {db}
      port: {port}
      scheme: postgresql+psycopg2
"""


def dagster_home(workdir: Path, root: Path, postgres: Postgres | None) -> Path:
    """A fresh Dagster home with the project's settings, on sqlite or a fresh database."""
    home = Path(tempfile.mkdtemp(dir=workdir, prefix="home-"))
    settings = (root / "ornd_visma" / "dagster.yaml").read_text()
    if postgres is not None:
        settings += POSTGRES_STORAGE.format(db=postgres.new_database(), port=postgres.port)
    (home / "dagster.yaml").write_text(settings)
    return home


@contextmanager
def _maybe_postgres(kind: str, workdir: Path):
    if kind != "postgres":
        yield None
        return
    with Postgres(workdir) as pg:
        yield pg


def _first_day(dataset_dir: Path) -> date:
    from ornd_visma.officernd.collections import COLLECTIONS
    from ornd_visma.sandbox.dataset import read_dataset

    data, days = read_dataset(dataset_dir), []
    for c in COLLECTIONS:
        for record in data[c.name] if c.business_date else ():
            try:
                days.append(date.fromisoformat(str(record.get(c.business_date))[:10]))
            except ValueError:
                continue
    return min(days)


def _dataset(scale: str, seed: int) -> Path:
    from ornd_visma.sandbox.dataset import write_dataset
    from ornd_visma.sandbox.generator import SCALES, generate

    dataset_dir = DATA / f"{scale}-{seed}"
    if not (dataset_dir / "payments.json").exists():
        print(f"generating the {scale} dataset ...", flush=True)
        data = generate(SCALES[scale], seed)
        write_dataset(dataset_dir, data.collections, data.defects)
    return dataset_dir


def _floor(dataset_dir: Path) -> int:
    """The fewest OfficeRnD requests a full pull can make: one page per 50 records per
    collection (at least one), plus the token (as bench/extract.py)."""
    from ornd_visma.sandbox.dataset import read_dataset

    counts = [len(rows) for rows in read_dataset(dataset_dir).values()]
    return 1 + sum(max(1, -(-n // 50)) for n in counts)


def _report(name: str, rounds: list[dict], floor: int | None, label: str = "real") -> None:
    print(f"\n{name}")
    # (--noop-only: the no-op's figures stand in the "real" place)
    kinds = ("real",) if rounds[0]["noop"] is None else ("real", "noop")
    print(f"{'':10}{'seconds':>10}{'CPU s':>10}{'events':>10}{'peak MiB':>10}{'requests':>10}")
    for n, r in enumerate(rounds):
        for kind in kinds:
            x, name = r[kind], f"{label if kind == 'real' else kind} {n + 1}"
            print(
                f"{name:10}{x['seconds']:>10.1f}{x.get('cpu_seconds', 0):>10.1f}"
                f"{x['events']:>10,}{x['peak_mib']:>10.0f}{x['requests']:>10,}"
            )
    real = statistics.median(r["real"]["seconds"] for r in rounds)
    print(f"median seconds        {label} {real:.1f}")
    if len(kinds) == 2:
        noop = statistics.median(r["noop"]["seconds"] for r in rounds)
        shares = [r["noop"]["seconds"] / r["real"]["seconds"] for r in rounds]
        print(
            f"median seconds        no-op {noop:.1f}"
            f"\nDagster's share       {noop / real:.0%} (no-op wall / real wall, medians; "
            f"rounds {', '.join(f'{s:.0%}' for s in shares)})"
            f"\nevents written        no-op {rounds[0]['noop']['events']:,}"
        )
        # CPU time of the run's process (all its threads): what a neighbour on a shared
        # machine steals from the wall clock does not count, so rounds agree better
        cpu_real = statistics.median(r["real"]["cpu_seconds"] for r in rounds)
        cpu_noop = statistics.median(r["noop"]["cpu_seconds"] for r in rounds)
        ratios = [r["real"]["cpu_seconds"] / r["noop"]["cpu_seconds"] for r in rounds]
        print(
            f"median CPU seconds    real {cpu_real:.1f}, no-op {cpu_noop:.1f}: "
            f"real / no-op {cpu_real / cpu_noop:.2f} × (rounds "
            + ", ".join(f"{x:.2f}" for x in ratios)
            + ")"
        )
    print(
        f"events written        {label} {rounds[0]['real']['events']:,}"
        f"\npeak memory           {max(r['real']['peak_mib'] for r in rounds):.0f} MiB {label}"
    )
    by_step = rounds[0]["real"].get("by_step") or {}
    noop_steps = (rounds[0].get("noop") or {}).get("by_step") or {}
    extra = {k: [v[0] - noop_steps.get(k, [0.0])[0]] for k, v in by_step.items()}
    for what, steps, at, digits in (
        ("seconds by step", by_step, 0, 1),
        ("beyond the no-op's", extra if noop_steps else {}, 0, 2),
        ("peak MiB by step", by_step, 1, 0),
    ):
        top = sorted(steps.items(), key=lambda item: -item[1][at])[:6]
        if top:
            print(f"{what:22}" + ", ".join(f"{k} {v[at]:.{digits}f}" for k, v in top))
    if floor:
        requests = max(r["real"]["requests"] for r in rounds)
        print(f"OfficeRnD requests    {requests:,} against the floor {floor:,} "
              f"({requests / floor:.3f} ×)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="large", choices=["small", "demo", "large"])
    parser.add_argument("--daily-scale", default="demo", choices=["small", "demo", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="alternated rounds (medians)")
    parser.add_argument("--runs", default="backfill,daily")
    parser.add_argument("--instance", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--checksums", type=Path, help="write the warehouse's table checksums")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline runs")
    parser.add_argument("--real-only", action="store_true", help="no no-op rounds")
    parser.add_argument(
        "--noop-only", action="store_true", help="only the no-op: the instance's event cost"
    )
    parser.add_argument(
        "--next-day",
        action="store_true",
        help="daily: the seed backfill's marts run to yesterday, the daily run's to today",
    )
    parser.add_argument(
        "--profile", type=Path, help="cProfile each round into DIR/<run>-<n>[-noop].pstats"
    )
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    sys.path.insert(0, str(ROOT))
    from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
    from ornd_visma.sandbox.server import running

    root = args.root.resolve()
    runs = args.runs.split(",")
    last = (date.today() - timedelta(days=1)).isoformat()  # the latest partition
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)
        with _maybe_postgres(args.instance, workdir) as pg:

            def one(
                kind: str, dataset_dir: Path, url: str, warehouse: Path, start: str,
                run_config: dict | None = None, profile: Path | None = None,
            ):  # fmt: skip
                home = dagster_home(workdir, root, pg)
                env = {
                    "DAGSTER_HOME": str(home),
                    "ORND_VISMA_WAREHOUSE": str(warehouse),
                    "OFFICERND_API_URL": f"{url}/api/v2",
                    "OFFICERND_AUTH_URL": url,
                    "ORND_VISMA_STATE_DIR": str(workdir / "state"),
                    "ORND_VISMA_START_DATE": min(
                        _first_day(dataset_dir), date(2024, 11, 1)
                    ).isoformat(),
                }
                spec = {"kind": kind, "env": env, "root": str(root), "start": start,
                        "end": last, "officernd": url, "run_config": run_config,
                        "profile": str(profile) if profile else None}  # fmt: skip
                return measure(spec)

            for run in runs:
                scale = args.scale if run == "backfill" else args.daily_scale
                dataset_dir = _dataset(scale, args.seed)
                first = _first_day(dataset_dir).isoformat()
                state = workdir / f"officernd-{run}"
                app = create_officernd_app(
                    dataset_dir, state, OfficeRnDOptions(read_limit_per_minute=10_000_000)
                )
                rounds = []
                with running(app) as url:
                    seeded = None
                    if run == "daily" and not args.noop_only:
                        seeded = workdir / "daily-seed" / "warehouse.duckdb"
                        seeded.parent.mkdir()
                        print(f"daily: a backfill of the {scale} dataset first ...", flush=True)
                        # --next-day: the backfill ran yesterday, so the daily run's marts
                        # have a new as_of (the first run of a real day)
                        yesterday = {"config": {"as_of": last}}
                        config = {"ops": dict.fromkeys(AS_OF_OPS, yesterday)}
                        one("real", dataset_dir, url, seeded, first,
                            config if args.next_day else None)  # fmt: skip
                    for n in range(args.repeat):
                        # Each round in a directory of its own: the charts drawn next to the
                        # warehouse are the seed's, as the first run of a day finds them.
                        warehouse = workdir / f"{run}-{n}" / "warehouse.duckdb"
                        warehouse.parent.mkdir()
                        if seeded is not None:
                            shutil.copyfile(seeded, warehouse)
                            charts = seeded.parent / "charts"
                            if charts.is_dir():
                                shutil.copytree(charts, warehouse.parent / "charts")
                        start = first if run == "backfill" else last
                        if args.noop_only:
                            print(f"{run} round {n + 1}: no-op ...", flush=True)
                            noop = one("noop", dataset_dir, url, workdir / "unused.duckdb", start)
                            if noop:
                                rounds.append({"real": noop, "noop": None})
                            continue
                        print(f"{run} round {n + 1}: real ...", flush=True)
                        profile = None
                        if args.profile:
                            args.profile.mkdir(parents=True, exist_ok=True)
                            profile = args.profile.resolve() / f"{run}-{n}.pstats"
                        real = one("real", dataset_dir, url, warehouse, start, profile=profile)
                        if real and args.checksums and run == "backfill" and n == 0:
                            args.checksums.write_text(
                                json.dumps(checksums(warehouse), indent=1, sort_keys=True)
                            )
                            print(f"checksums written to {args.checksums}")
                        noop = None
                        if not args.real_only:
                            print(f"{run} round {n + 1}: no-op ...", flush=True)
                            noop = one(
                                "noop", dataset_dir, url, workdir / "unused.duckdb", start,
                                profile=profile and profile.with_name(f"{run}-{n}-noop.pstats"),
                            )  # fmt: skip
                        if real and (noop or args.real_only):
                            rounds.append({"real": real, "noop": noop})
                        shutil.rmtree(warehouse.parent)
                if not rounds:
                    sys.exit(f"{run}: every round failed")
                _report(
                    f"{run} ({scale}, {first if run == 'backfill' else last} .. {last}, "
                    f"{args.instance})",
                    rounds,
                    _floor(dataset_dir) if run == "backfill" and not args.noop_only else None,
                    "no-op" if args.noop_only else "real",
                )


if __name__ == "__main__":
    main()
