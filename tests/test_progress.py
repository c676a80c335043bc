"""Progress of a run from its own events: step N of M, and the figures a person waits for."""

import io

import dagster as dg

from ornd_visma.definitions import progress_logger
from ornd_visma.progress import Progress


def test_progress_lines_from_events():
    out = io.StringIO()
    p = Progress(2, out)
    p.event("STEP_START", "officernd_raw", None)
    p.event("ASSET_MATERIALIZATION", "officernd_raw", {"records": 120, "requests": 0})
    p.event("STEP_SUCCESS", "officernd_raw", None)
    p.event("STEP_START", "posting__outbox", None)
    p.event("ASSET_MATERIALIZATION", "posting__outbox", {"confirmed": dg.IntMetadataValue(97)})
    p.event("STEP_FAILURE", "posting__outbox", None)
    lines = out.getvalue().splitlines()
    assert lines[0] == "step 1 of 2: officernd_raw ..."
    assert lines[1] == "  officernd_raw: records pulled 120"  # a zero figure is left out
    assert lines[2].startswith("  officernd_raw done (") and lines[2].endswith(" s)")
    assert lines[3] == "step 2 of 2: posting__outbox ..."
    assert lines[4] == "  posting__outbox: posted to Visma 97"
    assert lines[5].startswith("  posting__outbox FAILED (")


def test_a_range_of_days_says_its_figures_once_per_step():
    out = io.StringIO()
    p = Progress(1, out)
    p.event("STEP_START", "staging__facts", None)
    for _ in range(3):  # one materialization per day of the range, the same metadata
        p.event("ASSET_MATERIALIZATION", "staging__facts", {"dagster/row_count": 7})
    p.event("ASSET_MATERIALIZATION", "staging__facts", {"dagster/row_count": 8})
    lines = out.getvalue().splitlines()
    assert lines[1:] == ["  staging__facts: rows 7", "  staging__facts: rows 8"]


def test_the_logger_reports_a_real_run(capsys):
    @dg.asset
    def pulled():
        return dg.MaterializeResult(metadata={"records": 5})

    @dg.asset(deps=[pulled])
    def posted():
        return dg.MaterializeResult(metadata={"confirmed": 2})

    defs = dg.Definitions(
        assets=[pulled, posted],
        jobs=[dg.define_asset_job("j", selection="*")],
        loggers={"progress": progress_logger},
    )
    job = defs.resolve_job_def("j")
    job.execute_in_process(run_config={"loggers": {"progress": {"config": {"steps": 2}}}})
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if not line.startswith("  ") or ":" in line] == [
        "step 1 of 2: pulled ...",
        "  pulled: records pulled 5",
        "step 2 of 2: posted ...",
        "  posted: posted to Visma 2",
    ]
