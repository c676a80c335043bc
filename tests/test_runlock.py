"""Never two writers: a second `ornd-visma run` on the same warehouse refuses in one line, a
killed holder leaves no stale lock, and two first runs on a fresh DAGSTER_HOME both get the
project's instance settings without racing on its storage."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ornd_visma.runlock import Busy, exclusive

HOLD = """
import sys, time
from pathlib import Path
from ornd_visma.runlock import exclusive
with exclusive(Path(sys.argv[1]), "w"):
    print("held", flush=True)
    time.sleep(60)
"""


def _holder(lock: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
    return proc


def test_a_second_writer_is_refused_naming_the_holder_and_a_kill_frees_the_lock(tmp_path):
    lock = tmp_path / "warehouse.duckdb.run.lock"
    holder = _holder(lock)
    try:
        expected = rf"^the warehouse x is in use by another ornd-visma run \(pid {holder.pid}, "
        with pytest.raises(Busy, match=expected), exclusive(lock, "the warehouse x"):
            pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    with exclusive(lock, "the warehouse x"):  # the kernel dropped the killed holder's lock
        assert f"pid {os.getpid()}" in lock.read_text()


def test_the_cli_refuses_a_second_run_in_one_line(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    holder = _holder(tmp_path / "wh.duckdb.run.lock")
    try:
        env = {**os.environ, "ORND_VISMA_WAREHOUSE": str(warehouse),
               "DAGSTER_HOME": str(tmp_path / "home")}  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "ornd_visma.cli", "run", "--from", "2026-06-01",
             "--to", "2026-06-02"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "is in use by another ornd-visma run" in lines[0], done.stderr
    assert str(warehouse) in lines[0]
    assert time.monotonic() - started < 60


INSTANCE = """
from ornd_visma.definitions import project_instance
project_instance()
print("ok", flush=True)
"""


def test_two_first_runs_on_a_fresh_home_both_set_up_the_instance(tmp_path):
    home = tmp_path / "fresh_home"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", INSTANCE],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    settings = yaml.safe_load((home / "dagster.yaml").read_text())
    assert settings["concurrency"]["pools"]["default_limit"] == 1
