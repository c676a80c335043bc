"""Failures are loud: a failed run is one clean line in the log a person reads (and on a
webhook when one is set), and `ornd-visma run`'s summary lists what is not in Visma."""

from datetime import datetime

import duckdb
import httpx
import pytest

from ornd_visma.alerts import failure_line, tell
from ornd_visma.posting.outbox import Outbox
from ornd_visma.posting.standing import standing, summary_lines


def test_a_failure_is_one_clean_line_in_the_log(tmp_path):
    line = failure_line(
        datetime(2026, 12, 2, 6, 0), "daily_books", "abc123", "boom\nTraceback:\x1b[31m red"
    )
    assert line == "2026-12-02 06:00:00Z run abc123 of daily_books FAILED: boom Traceback:[31m red"
    env = {"ORND_VISMA_ALERT_LOG": str(tmp_path / "logs" / "failures.log")}
    assert tell(line, env) == []
    assert tell(line, env) == []
    assert (tmp_path / "logs" / "failures.log").read_text().splitlines() == [line, line]


def test_the_webhook_gets_the_line_and_a_plain_http_one_is_refused(tmp_path, monkeypatch):
    sent = []

    def fake_post(url, json, timeout):
        sent.append((url, json))
        return httpx.Response(200, request=httpx.Request("POST", url))

    monkeypatch.setattr(httpx, "post", fake_post)
    log = tmp_path / "f.log"
    env = {"ORND_VISMA_ALERT_LOG": str(log), "ORND_VISMA_ALERT_WEBHOOK": "https://hooks.example/x"}
    assert tell("run r FAILED: x", env) == []
    assert sent == [("https://hooks.example/x", {"text": "run r FAILED: x"})]
    env["ORND_VISMA_ALERT_WEBHOOK"] = "http://hooks.example/x"
    (problem,) = tell("run s FAILED: y", env)
    assert problem.startswith("webhook not told: ORND_VISMA_ALERT_WEBHOOK: ") and "HTTPS" in problem
    assert len(sent) == 1  # nothing went to the plain-http hook
    assert log.read_text().splitlines()[-2:] == ["run s FAILED: y", problem]


@pytest.fixture
def outbox(tmp_path):
    conn = duckdb.connect(str(tmp_path / "wh.duckdb"))
    yield Outbox(conn), conn
    conn.close()


def test_the_summary_lists_what_is_not_in_visma(outbox):
    box, conn = outbox
    began = datetime(2026, 1, 1)
    for key, state in (("L-a-1", "confirmed"), ("L-b-1", "held"), ("L-c-1", "failed"),
                       ("L-d-1", "pending")):  # fmt: skip
        box.insert(key, kind="ledger_item", entity="main", document_id=key[2], revision="1",
                   payload={}, state=state, document_number=f"00010{'abcd'.index(key[2]) + 1}-STH",
                   hold_reason="customer disputes" if state == "held" else None)  # fmt: skip
    conn.execute(
        "UPDATE posting.outbox SET confirmed_at = TIMESTAMP '2026-01-02', error_code = 2000, "
        "error_message = CASE WHEN state = 'failed' THEN 'Bad\nrequest' END"
    )
    state = standing(conn, began)
    assert (state.confirmed, state.waiting) == (1, 1)
    assert state.held == [("ledger_item 000102-STH", "customer disputes")]
    assert state.failed == [("ledger_item 000103-STH", "2000: Bad request")]
    lines = summary_lines(state, {"west": "connection refused"})
    assert lines == [
        "posted to Visma in this run: 1; waiting to be sent: 1",
        "held (not in Visma, by reason): 1",
        "  ledger_item 000102-STH: customer disputes",
        "refused by Visma: 1",
        "  ledger_item 000103-STH: 2000: Bad request",
        "Visma company west out of reach: connection refused",
    ]
    # a confirmation older than the run is not this run's
    assert standing(conn, datetime(2026, 1, 3)).confirmed == 0


def test_the_run_failure_sensor_writes_the_failed_run(tmp_path, monkeypatch):
    import dagster as dg

    from assets.sensors import run_failures

    @dg.op
    def breaks():
        raise RuntimeError("Visma said no\nsecond line")

    @dg.job
    def fragile():
        breaks()

    log = tmp_path / "failures.log"
    monkeypatch.setenv("ORND_VISMA_ALERT_LOG", str(log))
    monkeypatch.delenv("ORND_VISMA_ALERT_WEBHOOK", raising=False)
    with dg.instance_for_test() as instance:
        result = fragile.execute_in_process(instance=instance, raise_on_error=False)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failures",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
        ).for_run_failure()
        run_failures(context)
    (line,) = log.read_text().splitlines()
    assert f"run {result.run_id} of fragile FAILED: " in line
    assert "(steps: breaks)" in line
