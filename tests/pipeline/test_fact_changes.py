"""Fact staging validates only the days whose records or references changed
(`warehouse/fact_changes.py`), and the tables come out as a whole re-validation makes them
(no Dagster; the small dataset with every planted defect)."""

from datetime import date

import duckdb
import pytest

from ornd_visma.officernd.collections import collection
from ornd_visma.sandbox.dataset import read_dataset
from ornd_visma.warehouse import fact_changes
from ornd_visma.warehouse.staging import FACTS, stage_fact_window
from tests.books.warehouse import EVERYTHING, staged_contents, staged_warehouse

PAYMENTS = collection("payments")


def contents(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[list, list]]:
    return staged_contents(conn, FACTS)


def stage_all(conn) -> dict[str, int]:
    """Stage every fact over all days; the valid rows each reports for the whole window."""
    return {f.name: stage_fact_window(conn, f, EVERYTHING, None).valid for f in FACTS}


@pytest.fixture
def validated(monkeypatch) -> list:
    """The days each fact staging since the fixture was set up found changed, all pieces."""
    days: list = []
    changed_days = fact_changes.changed_days

    def spy(*args, **kwargs):
        found = changed_days(*args, **kwargs)
        days.extend(found)
        return found

    monkeypatch.setattr(fact_changes, "changed_days", spy)
    return days


@pytest.fixture
def warehouse(tmp_path, defects_small_dir):
    conn = staged_warehouse(tmp_path / "wh.duckdb", read_dataset(defects_small_dir))
    yield conn
    conn.close()


def _a_payment_day(conn) -> tuple[str, date, int]:
    """A staged payment, its business date and how many payments are staged that day."""
    [(pid, day)] = conn.execute(
        "SELECT id, business_date FROM staging.payments ORDER BY id LIMIT 1"
    ).fetchall()
    [(same_day,)] = conn.execute(
        "SELECT count(*) FROM staging.payments WHERE business_date = ?", [day]
    ).fetchall()
    return pid, day, same_day


def edit_payment(conn, pid: str, patch: str) -> None:
    """OfficeRnD's copy of payment `pid` with the JSON `patch` merged in, as a pull writes it."""
    conn.execute(
        "UPDATE raw.payments SET payload = json_merge_patch(payload, ?) WHERE _id = ?",
        [patch, pid],
    )


def test_nothing_changed_nothing_validated(warehouse, validated):
    before = contents(warehouse)
    counts = stage_all(warehouse)
    assert validated == []
    assert contents(warehouse) == before
    # the results still describe the whole window: every staged row
    for f in FACTS:
        [(rows,)] = warehouse.execute(f"SELECT count(*) FROM staging.{f.table_name}").fetchall()
        assert counts[f.name] == rows, f.name


def test_an_edit_revalidates_its_day_only_and_matches_a_whole_run(warehouse, validated):
    conn = warehouse
    pid, day, _ = _a_payment_day(conn)
    edit_payment(conn, pid, '{"currency": "EUR"}')  # invalid: a currency the books do not take
    stage_fact_window(conn, PAYMENTS, EVERYTHING, None)
    assert validated == [day]
    [(quarantined,)] = conn.execute(
        "SELECT count(*) FROM quarantine.payments WHERE record_id = ?", [pid]
    ).fetchall()
    assert quarantined == 1
    partial = contents(conn)
    # The same raw data validated whole from nothing gives the same tables.
    conn.execute("DELETE FROM meta.staged_days")
    stage_all(conn)
    assert len(validated) > 10
    assert contents(conn) == partial


def test_a_day_whose_records_are_gone_is_emptied(warehouse, validated):
    conn = warehouse
    _, day, same_day = _a_payment_day(conn)
    assert same_day >= 1
    conn.execute("DELETE FROM raw.payments WHERE business_date = ?", [day])
    stage_fact_window(conn, PAYMENTS, EVERYTHING, None)
    assert validated == [day]
    [(left,)] = conn.execute(
        "SELECT count(*) FROM staging.payments WHERE business_date = ?", [day]
    ).fetchall()
    assert left == 0


def test_changed_references_revalidate_every_day(warehouse, validated):
    conn = warehouse
    [(days,)] = conn.execute(
        "SELECT count(DISTINCT business_date) FROM raw.payments"
    ).fetchall()  # NULL (no business date) not counted: the defects have some
    [(undated,)] = conn.execute(
        "SELECT count(*) > 0 FROM raw.payments WHERE business_date IS NULL"
    ).fetchall()
    # A tax rate the payments' lines check against is gone from staging.
    conn.execute("DELETE FROM staging.tax_rates WHERE id = (SELECT min(id) FROM staging.tax_rates)")
    stage_fact_window(conn, PAYMENTS, EVERYTHING, None)
    assert sorted(validated, key=str) == sorted(
        [d for (d,) in conn.execute("SELECT DISTINCT business_date FROM raw.payments").fetchall()],
        key=str,
    )
    assert len(validated) == days + int(undated)


def test_a_window_of_one_day_compares_that_day(warehouse, validated):
    conn = warehouse
    pid, day, _ = _a_payment_day(conn)
    edit_payment(conn, pid, '{"reference": "x"}')
    next_day = date.fromordinal(day.toordinal() + 1)
    stage_fact_window(conn, PAYMENTS, next_day, date.fromordinal(day.toordinal() + 2))
    assert validated == []  # the edited day is outside the window
    stage_fact_window(conn, PAYMENTS, day, next_day)
    assert validated == [day]
    [(recorded,)] = conn.execute(
        "SELECT count(*) FROM meta.staged_days WHERE collection = 'payments' AND business_date = ?",
        [day],
    ).fetchall()
    assert recorded == 1


def test_revalidate_makes_the_next_staging_validate_everything(
    warehouse, validated, tmp_path, monkeypatch, capsys
):
    """`ornd-visma revalidate` empties what partial runs compare against; the next staging
    validates every day again and the tables come out the same."""
    from ornd_visma.cli import main

    path = warehouse.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    before = contents(warehouse)
    [(days,)] = warehouse.execute(
        "SELECT count(*) FROM meta.staged_days WHERE collection = 'payments'"
    ).fetchall()
    warehouse.close()  # the command opens the file itself, as it would between runs
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", path)
    assert main(["revalidate"]) == 0
    out = capsys.readouterr().out
    assert "meta.staged_days (" in out and "meta.staged_records (" in out
    assert "the next run validates every record and builds every table again" in out
    conn = duckdb.connect(path)
    try:
        [(left,)] = conn.execute("SELECT count(*) FROM meta.staged_days").fetchall()
        assert left == 0
        stage_fact_window(conn, PAYMENTS, EVERYTHING, None)
        assert len(validated) == days  # every payment day, the undated ones included
        assert contents(conn)["payments"] == before["payments"]
    finally:
        conn.close()


def test_revalidate_without_a_warehouse_says_so(tmp_path, monkeypatch):
    from ornd_visma.cli import main

    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(tmp_path / "none.duckdb"))
    with pytest.raises(SystemExit) as exit_:
        main(["revalidate"])
    assert str(exit_.value.code).startswith(f"no warehouse at {tmp_path / 'none.duckdb'}: ")
    assert not (tmp_path / "none.duckdb").exists()
