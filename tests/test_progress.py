"""Progress of a run from its own events: step N of M, and the figures a person waits for."""

import io

import dagster as dg

from ornd_visma.definitions import progress_logger
from ornd_visma.progress import Progress


def test_progress_lines_from_events():
    out = io.StringIO()
    p = Progress(2, out)
    p.event("STEP_START", "officernd_raw", None)
    p.event("ASSET_MATERIALIZATION", "officernd_raw", {"records": 120, "requests": 3})
    p.event("ASSET_MATERIALIZATION", "officernd_raw", {"records": 1500, "requests": 0})
    p.event("STEP_SUCCESS", "officernd_raw", None)
    p.event("STEP_START", "posting__outbox", None)
    p.event("ASSET_MATERIALIZATION", "posting__outbox", {"confirmed": dg.IntMetadataValue(97)})
    p.event("STEP_FAILURE", "posting__outbox", None)
    lines = out.getvalue().splitlines()
    assert lines[0] == "step 1 of 2: officernd_raw ..."
    # two tables' figures summed: 120 + 1500 records, 3 + 0 requests
    assert lines[1].startswith("  officernd_raw done (")
    assert lines[1].endswith(" s): records pulled 1 620, requests 3")
    assert lines[2] == "step 2 of 2: posting__outbox ..."
    assert lines[3].startswith("  posting__outbox FAILED (")
    assert lines[3].endswith(" s): posted to Visma 97")


def test_a_range_of_days_says_its_figures_once_per_step():
    out = io.StringIO()
    p = Progress(1, out)
    p.event("STEP_START", "staging__facts", None)
    for _ in range(3):  # one materialization per day of the range, the same metadata
        p.event("ASSET_MATERIALIZATION", "staging__facts", {"dagster/row_count": 7}, "a")
    p.event("ASSET_MATERIALIZATION", "staging__facts", {"dagster/row_count": 8}, "b")
    p.event("STEP_SUCCESS", "staging__facts", None)
    lines = out.getvalue().splitlines()
    # table a's 7 rows once (not 3 x 7), plus table b's 8: 15
    assert lines[1].endswith(" s): rows 15"), lines


def test_the_logger_reports_a_real_run(capsys):
    @dg.asset
    def pulled():
        return dg.MaterializeResult(metadata={"records": 5})

    @dg.asset(deps=[pulled])
    def posted():
        return dg.MaterializeResult(metadata={"confirmed": 2})

    defs = dg.Definitions(
        assets=[pulled, posted],
        jobs=[dg.define_asset_job("j", selection=dg.AssetSelection.all())],
        loggers={"progress": progress_logger},
    )
    job = defs.resolve_job_def("j")
    job.execute_in_process(run_config={"loggers": {"progress": {"config": {"steps": 2}}}})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "step 1 of 2: pulled ..."
    assert out[1].startswith("  pulled done (") and out[1].endswith("s): records pulled 5")
    assert out[2] == "step 2 of 2: posted ..."
    assert out[3].endswith("s): posted to Visma 2")
