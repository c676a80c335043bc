"""Bad input to the CLI: one line naming the argument or thing and why, a non-zero exit,
within seconds; never a traceback, a hang or a false success."""

import socket
import subprocess
import sys
import time

import duckdb
import pytest

from ornd_visma.cli import main


def _dead_url() -> str:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORND_VISMA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    for name in ("ORND_VISMA_WAREHOUSE", "ORND_VISMA_MAPPING", "VISMA_CLIENT_ID",
                 "OFFICERND_CLIENT_ID"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--from", "2026-06-10", "--to", "2026-06-01"],
         "ornd-visma run: --from 2026-06-10 is after --to 2026-06-01"),
        (["run", "--from", "2019-01-01", "--to", "2019-01-02"],
         "ornd-visma run: --from 2019-01-01 is before the first day of the books, 2024-11-01"),
        (["run", "--from", "2026-06-01", "--to", "2999-01-01"],
         "ornd-visma run: --to 2999-01-01 is after yesterday"),
        (["sandbox", "--dataset", "nowhere"],
         "ornd-visma sandbox: --dataset nowhere is not a dataset directory"),
        (["sandbox", "inspect", "--state", "nowhere"],
         "ornd-visma sandbox inspect: no simulated Visma under --state nowhere"),
    ],
)  # fmt: skip
def test_a_bad_argument_is_one_line_and_exit_1(argv, expected, capsys):
    assert main(argv) == 1
    assert _one_line(capsys).startswith(expected)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--from", "1 June", "--to", "2026-06-02"],
         "argument --from: expected a date as YYYY-MM-DD, got '1 June'"),
        (["generate", "--out", "d", "--defects", "5"],
         "argument --defects: expected a share between 0 and 1 (0.02 is 2 %), got '5'"),
        (["hold", "d1"], "the following arguments are required: --reason"),
    ],
)  # fmt: skip
def test_argparse_errors_name_the_argument_and_the_expected_form(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(expected)


def test_an_unreachable_officernd_is_said_before_any_run_starts(monkeypatch, capsys):
    monkeypatch.setenv("OFFICERND_API_URL", f"{_dead_url()}/api/v2")
    started = time.monotonic()
    assert main(["run", "--from", "2026-06-01", "--to", "2026-06-02", "--dry-run"]) == 1
    line = _one_line(capsys)
    assert "OfficeRnD at http://127.0.0.1:" in line and "does not answer (ConnectError)" in line
    assert line.endswith("start the sandbox first: ornd-visma sandbox (after `make demo`, "
                         "it serves the demo)")  # fmt: skip
    assert time.monotonic() - started < 15


def test_a_real_visma_client_without_its_secret_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("VISMA_CLIENT_ID", "realapp")
    assert main(["connect", "visma"]) == 1
    assert _one_line(capsys) == (
        "ornd-visma connect visma: VISMA_CLIENT_ID is set but VISMA_CLIENT_SECRET is not"
    )


def test_doctor_on_a_missing_dataset_is_an_error_not_complete(capsys):
    assert main(["doctor", "--dataset", "nowhere", "--no-visma"]) == 1
    out = capsys.readouterr().out
    assert "ERROR  --dataset nowhere: no such directory" in out
    assert "complete" not in out


def test_hold_and_release_need_a_warehouse_and_a_known_document(tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["hold", "d1", "--reason", "disputed"])
    assert str(exit_.value.code).startswith("no warehouse at .sandbox/warehouse.duckdb: ")
    warehouse = tmp_path / "wh.duckdb"
    conn = duckdb.connect(str(warehouse))
    conn.execute("CREATE SCHEMA core")
    conn.execute("CREATE TABLE core.documents (document_id VARCHAR, document_number VARCHAR)")
    conn.execute("INSERT INTO core.documents VALUES ('6a66c9b0', '000101-STH')")
    conn.close()
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(warehouse))
    for argv, message in (
        (["hold", "000101-STH", "--reason", "x"],
         "000101-STH is a document number; the document's id is 6a66c9b0 (use the id)"),
        (["release", "nonsense"], "no document 'nonsense' in the warehouse's books or outbox"),
    ):  # fmt: skip
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == message


def test_a_warehouse_that_is_not_duckdb_or_is_locked_says_which(tmp_path, monkeypatch):
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("not a database\n" * 300)
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(not_duckdb))
    with pytest.raises(SystemExit) as exit_:
        main(["release", "d1"])
    assert str(exit_.value.code) == (
        f"cannot open the warehouse {not_duckdb}: it is not a DuckDB database; point "
        "ORND_VISMA_WAREHOUSE at the warehouse file"
    )
    locked = tmp_path / "wh.duckdb"
    duckdb.connect(str(locked)).close()
    holder = subprocess.Popen(  # another process writing it, as a run does
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(locked)!r}); "
         "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(locked))
        with pytest.raises(SystemExit) as exit_:
            main(["release", "d1"])
        assert str(exit_.value.code) == (
            f"cannot open the warehouse {locked}: a run is writing it; retry when it is done"
        )
    finally:
        holder.kill()
        holder.wait()


def test_the_installed_command_prints_no_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ornd_visma.cli", "sandbox", "--dataset", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"ornd-visma sandbox: --dataset {tmp_path / 'x'} is not a dataset directory (no "
        "locations.json): `ornd-visma generate --out DIR` writes one, `make demo` writes "
        ".sandbox/dataset"
    ]
