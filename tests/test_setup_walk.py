"""A new operator's first contact, scripted against the sandbox with no hand-written mapping:
connect OfficeRnD and Visma, let init propose the mapping, doctor it, and a dry run that
plans every ready document and sends nothing."""

import socket

import duckdb
import pytest

from ornd_visma.cli import main
from ornd_visma.sandbox.officernd import create_officernd_app
from ornd_visma.sandbox.server import running
from ornd_visma.sandbox.visma import create_visma_app, inspect_state


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sandbox(small_dir, tmp_path, monkeypatch):
    state = tmp_path / "state"
    officernd = create_officernd_app(small_dir, state)
    visma = create_visma_app(state)
    with running(officernd) as o_url, running(visma) as v_url:
        env = {
            "OFFICERND_API_URL": f"{o_url}/api/v2", "OFFICERND_AUTH_URL": o_url,
            "VISMA_API_URL": f"{v_url}/v2", "VISMA_AUTH_URL": v_url,
            "ORND_VISMA_STATE_DIR": str(tmp_path / "tokens"),
            "ORND_VISMA_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        }  # fmt: skip
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("ORND_VISMA_MAPPING", raising=False)
        yield state, tmp_path
        visma.state.visma.store.close()


def test_from_nothing_to_a_dry_run_with_a_proposed_mapping(sandbox, small_dir, monkeypatch, capfd):
    state, root = sandbox
    assert main(["connect", "officernd"]) == 0
    assert main(["connect", "visma", "--redirect-uri",
                 f"http://127.0.0.1:{_free_port()}/callback"]) == 0  # fmt: skip
    said = capfd.readouterr().out
    assert "organization sandbox: 1 locations" in said
    assert "company: Sandbox Coworking AB (org. nr 559999-0001)" in said
    mapping = root / "mapping.yaml"
    assert main(["init", "--out", str(mapping)]) == 0
    assert "doctor: 0 error(s)" in capfd.readouterr().out
    monkeypatch.setenv("ORND_VISMA_MAPPING", str(mapping))
    assert main(["doctor", "--dataset", str(small_dir)]) == 0
    capfd.readouterr()
    assert main(["run", "--from", "2026-10-20", "--to", "2026-11-19", "--dry-run"]) == 0
    out = capfd.readouterr().out
    assert "run " in out.splitlines()[0] and "(dry run)" in out.splitlines()[0]
    assert "step 1 of " in out
    conn = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    ready = conn.execute(
        "SELECT count(*) FROM core.documents WHERE status = 'ready' "
        "AND invoice_date BETWEEN DATE '2026-10-20' AND DATE '2026-11-19'"
    ).fetchone()[0]
    planned = dict(conn.execute(
        "SELECT state, count(*) FROM posting.outbox WHERE kind = 'ledger_item' GROUP BY 1"
    ).fetchall())  # fmt: skip
    conn.close()
    assert ready > 0 and planned == {"would_post": ready}, (ready, planned)
    assert "would post (dry run): " in out
    assert inspect_state(state)["vouchers"] == []  # a dry run sends nothing
