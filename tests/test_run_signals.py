"""A stop ends a run within seconds: SIGTERM to `ornd-visma run` while it pulls from a slow
OfficeRnD gives one line, exit 1, and the run marked canceled in the Dagster instance."""

import os
import signal
import socket
import subprocess
import sys
import time

import dagster as dg


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_ends_the_run_in_seconds_and_marks_it_canceled(small_dir, tmp_path):
    o_port, v_port = _port(), _port()
    cli = [sys.executable, "-m", "ornd_visma.cli"]
    sandbox = subprocess.Popen(
        [*cli, "sandbox", "--dataset", str(small_dir), "--state", str(tmp_path / "state"),
         "--officernd-port", str(o_port), "--visma-port", str(v_port), "--latency-ms", "400"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    env = {
        **os.environ,
        "OFFICERND_API_URL": f"http://127.0.0.1:{o_port}/api/v2",
        "OFFICERND_AUTH_URL": f"http://127.0.0.1:{o_port}",
        "VISMA_API_URL": f"http://127.0.0.1:{v_port}/v2",
        "VISMA_AUTH_URL": f"http://127.0.0.1:{v_port}",
        "ORND_VISMA_WAREHOUSE": str(tmp_path / "wh.duckdb"),
        "ORND_VISMA_STATE_DIR": str(tmp_path / "tokens"),
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    try:
        assert sandbox.stdout.readline().startswith("OfficeRnD sandbox")
        run = subprocess.Popen(
            [*cli, "run", "--from", "2026-10-01", "--to", "2026-11-19"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        first = run.stdout.readline()
        assert first.startswith("run ")
        run_id = first.split()[1].rstrip(":")
        while not run.stdout.readline().startswith("step 1 of"):  # the pull has begun
            pass
        time.sleep(1.0)
        run.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        _, err = run.communicate(timeout=60)
        took = time.monotonic() - stopped
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    assert run.returncode == 1
    assert err.strip().splitlines()[-1] == (
        f"ornd-visma run: run {run_id} stopped by a signal and marked canceled"
    )
    assert took < 20, took  # each OfficeRnD answer takes 0.4 s: the pull is not finished
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.CANCELED
