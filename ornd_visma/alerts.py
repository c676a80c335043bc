"""Failed runs, told to a human: one line per failed run appended to a log file a person
reads, and, when `ORND_VISMA_ALERT_WEBHOOK` is set, the same line POSTed as `{"text": ...}`
(the body a Slack or Teams incoming webhook takes).

The log is `ORND_VISMA_ALERT_LOG`, default `<state dir>/run-failures.log` (outside the repo,
beside the token store). A webhook must be HTTPS (loopback excepted, for tests); a webhook that
does not answer costs at most `WEBHOOK_TIMEOUT_S` and is itself written to the log, never
raised: an alert must not become a second failure.
"""

import os
from datetime import datetime
from pathlib import Path

import httpx

from ornd_visma.endpoints import checked_endpoint
from ornd_visma.text import clean_text
from ornd_visma.visma.settings import state_dir

WEBHOOK_TIMEOUT_S = 10.0
LINE_MAX = 2000


def alert_log(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("ORND_VISMA_ALERT_LOG") or state_dir(env) / "run-failures.log")


def failure_line(when: datetime, job: str, run_id: str, why: str) -> str:
    """One line: no newline or control character of the error can break the log."""
    text = f"{when:%Y-%m-%d %H:%M:%S}Z run {run_id} of {job} FAILED: {why}"
    return clean_text(text, LINE_MAX)


def tell(line: str, env: dict[str, str] | None = None) -> list[str]:
    """Write `line` to the log and the webhook; what went wrong telling (empty: all told)."""
    env = os.environ if env is None else env
    problems = []
    url = env.get("ORND_VISMA_ALERT_WEBHOOK")
    if url:
        try:
            checked_endpoint(url, "ORND_VISMA_ALERT_WEBHOOK")
            httpx.post(url, json={"text": line}, timeout=WEBHOOK_TIMEOUT_S).raise_for_status()
        except (ValueError, httpx.HTTPError) as error:
            problems.append(clean_text(f"webhook not told: {error}", LINE_MAX))
    path = alert_log(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        for text in (line, *problems):
            log.write(text + "\n")
    return problems
