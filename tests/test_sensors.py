"""The late-changes sensor's decision: one range, only over days already processed."""

from datetime import date

from assets.sensors import late_change_range

D = date


def test_late_changes_in_processed_days_are_one_range():
    done = {"2026-08-03", "2026-08-10", "2026-08-11", "2026-08-27"}
    touched = [D(2026, 8, 27), D(2026, 8, 3), D(2026, 8, 10), D(2026, 8, 11)]
    # four touched days with gaps are one single-run backfill from the first to the last
    assert late_change_range(touched, done, D(2024, 11, 1), D(2026, 12, 1)) == (
        D(2026, 8, 3), D(2026, 8, 27),
    )  # fmt: skip


def test_days_never_processed_or_outside_the_partitions_are_no_late_changes():
    done = {"2026-08-27"}
    # a fresh warehouse backfilled for August only: the rest of history is not "late"
    touched = [D(2025, 1, 5), D(2026, 8, 27), D(2026, 12, 5)]
    assert late_change_range(touched, done, D(2024, 11, 1), D(2026, 12, 1)) == (
        D(2026, 8, 27), D(2026, 8, 27),
    )  # fmt: skip
    assert late_change_range([D(2025, 1, 5)], done, D(2024, 11, 1), D(2026, 12, 1)) is None
    assert late_change_range([], done, D(2024, 11, 1), D(2026, 12, 1)) is None


def test_the_sensor_waits_while_a_run_of_the_job_is_in_progress(tmp_path):
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from assets.sensors import late_changes

    with dg.instance_for_test() as instance:
        instance.add_run(
            dg.DagsterRun(job_name="daily_books", run_id="r1", status=dg.DagsterRunStatus.STARTED)
        )
        context = dg.build_sensor_context(
            instance=instance,
            resources={"warehouse": DuckDBResource(database=str(tmp_path / "none.duckdb"))},
        )
        skipped = late_changes(context)
    assert isinstance(skipped, dg.SkipReason)
    assert skipped.skip_message == "run r1 is in progress; waiting for it"
