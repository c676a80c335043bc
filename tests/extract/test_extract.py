"""Extraction against the OfficeRnD simulator on 127.0.0.1: every record lands in raw once,
faults change nothing, re-runs are idempotent, late edits arrive."""

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import orjson
import pytest

from ornd_visma.config import sandbox_officernd
from ornd_visma.officernd.client import OfficeRnDClient
from ornd_visma.officernd.collections import COLLECTIONS, collection
from ornd_visma.officernd.extract import extract_all
from ornd_visma.sandbox.dataset import read_dataset
from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
from ornd_visma.sandbox.server import running

FAST = {"read_limit_per_minute": 1_000_000}


def pull(base_url: str, db: Path, **kwargs) -> tuple[dict, OfficeRnDClient]:
    port = int(base_url.rsplit(":", 1)[1])
    conn = duckdb.connect(str(db))
    try:
        with OfficeRnDClient(sandbox_officernd(port), reads_per_minute=1_000_000) as client:
            results = extract_all(client, conn.cursor, COLLECTIONS, **kwargs)
        return results, client
    finally:
        conn.close()


def raw_contents(db: Path) -> dict[str, Counter]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return {
            c.name: Counter(
                (row[0], row[1])
                for row in conn.execute(f"SELECT _id, payload FROM raw.{c.table_name}").fetchall()
            )
            for c in COLLECTIONS
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, defects_small_dir):
    tmp = tmp_path_factory.mktemp("baseline")
    app = create_officernd_app(defects_small_dir, tmp / "state", OfficeRnDOptions(**FAST))
    with running(app) as url:
        results, client = pull(url, tmp / "wh.duckdb")
    return tmp / "wh.duckdb", results, client


def test_every_served_record_lands_in_raw_once(baseline, defects_small_dir):
    db, results, client = baseline
    dataset = read_dataset(defects_small_dir)
    contents = raw_contents(db)
    for name, records in dataset.items():
        expected = Counter(r["_id"] for r in records)
        assert Counter(i for i, _ in contents[name].elements()) == expected, name
        assert results[name].records == len(records)
    # The fewest requests: one page per 50 records, per collection, and one token.
    minimum = sum(max(1, -(-len(records) // 50)) for records in dataset.values())
    assert client.stats.api_requests == minimum
    assert client.stats.token_requests == 1


def test_faults_change_nothing(baseline, defects_small_dir, tmp_path):
    db, _, _ = baseline
    options = dict(
        read_limit_per_minute=40,
        error_rate=0.15,
        drop_rate=0.05,
        truncate_rate=0.05,
        latency_ms=5,
        fault_seed=3,
    )
    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**options))
    with running(app) as url:
        _, client = pull(url, tmp_path / "faulty.duckdb")
    assert client.stats.retries > 0
    assert raw_contents(tmp_path / "faulty.duckdb") == raw_contents(db)


def test_rerun_is_idempotent_and_incremental(defects_small_dir, tmp_path):
    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**FAST))
    db = tmp_path / "wh.duckdb"
    with running(app) as url:
        first, _ = pull(url, db)
        before = raw_contents(db)
        second, client = pull(url, db)
    assert raw_contents(db) == before
    assert second["payments"].mode == "incremental"
    assert second["memberships"].mode == "full"  # /memberships takes no modifiedAt filter
    assert client.stats.api_requests < sum(r.requests for r in first.values())


def test_a_late_edit_reaches_raw_with_its_business_date(defects_small_dir, tmp_path):
    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**FAST))
    store = app.state.simulator.store
    db = tmp_path / "wh.duckdb"
    with running(app) as url:
        pull(url, db)
        invoice = next(
            p
            for p in read_dataset(defects_small_dir)["payments"]
            if p["documentType"] == "invoice" and p["date"] < "2026-09-01"
        )
        store.advance_clock(3600)
        store.patch("payments", invoice["_id"], {"reference": "edited a week later"})
        results, _ = pull(url, db)
    conn = duckdb.connect(str(db), read_only=True)
    payloads = [
        orjson.loads(row[0])
        for row in conn.execute(
            "SELECT payload FROM raw.payments WHERE _id = ?", [invoice["_id"]]
        ).fetchall()
    ]
    conn.close()
    assert [p["reference"] for p in payloads] == ["edited a week later"]
    assert results["payments"].records >= 1
    assert any(d.isoformat() == invoice["date"][:10] for d in results["payments"].business_dates)


def test_a_record_deleted_in_officernd_leaves_a_full_pull(defects_small_dir, tmp_path):
    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**FAST))
    db = tmp_path / "wh.duckdb"
    membership = read_dataset(defects_small_dir)["memberships"][0]
    with running(app) as url:
        pull(url, db)
        app.state.simulator.store.delete("memberships", membership["_id"])
        results, _ = pull(url, db)
    assert results["memberships"].dropped == 1
    table = collection("memberships").table_name
    conn = duckdb.connect(str(db), read_only=True)
    left = conn.execute(
        f"SELECT count(*) FROM raw.{table} WHERE _id = ?", [membership["_id"]]
    ).fetchall()[0][0]
    conn.close()
    assert left == 0


def test_a_pull_that_fails_half_way_loses_nothing(defects_small_dir, tmp_path, monkeypatch):
    """A pull that dies after some pages were committed (here an incremental collection
    forced to a full pull, and a dimension, so both write paths run) leaves one copy of every
    record, its watermark where it was, and the business dates it changed noted; the next
    pull catches up."""
    from ornd_visma.officernd import extract
    from ornd_visma.officernd.client import OfficeRnDError
    from ornd_visma.warehouse.raw import touched_partitions

    # Every page is written and committed at once.
    monkeypatch.setattr(extract, "BATCH_RECORDS", 10)
    monkeypatch.setattr(extract, "COMMIT_RECORDS", 10)
    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**FAST))
    store = app.state.simulator.store
    db = tmp_path / "wh.duckdb"
    dataset = read_dataset(defects_small_dir)
    payments, members = collection("payments"), collection("members")

    def state(conn) -> dict:
        return dict(conn.execute("SELECT collection, watermark FROM meta.extract_state").fetchall())

    with running(app) as url:
        pull(url, db)
        conn = duckdb.connect(str(db))
        conn.execute("DELETE FROM meta.touched_partitions")  # as staging does once validated
        watermarks = state(conn)
        port = int(url.rsplit(":", 1)[1])
        with OfficeRnDClient(sandbox_officernd(port), reads_per_minute=1_000_000) as client:
            # Edit a record of the first page, which the failing pulls do write.
            [invoice] = client.get_page("payments", {"$limit": "1"})["results"]
            [member] = client.get_page("members", {"$limit": "1"})["results"]
            store.advance_clock(3600)
            store.patch("payments", invoice["_id"], {"reference": "edited later"})
            store.patch("members", member["_id"], {"name": "renamed"})
            fetch, calls = client.fetch_page, Counter()

            def dies_on_the_second_page(name, params):
                calls[name] += 1
                if calls[name] == 2:
                    raise OfficeRnDError(f"{name}: connection lost")
                return fetch(name, params)

            client.fetch_page = dies_on_the_second_page
            with pytest.raises(OfficeRnDError):
                extract_all(client, conn.cursor, [payments], run_id="dies-1", full_refresh=True)
            with pytest.raises(OfficeRnDError):
                extract_all(client, conn.cursor, [members], run_id="dies-2", full_refresh=True)
        assert state(conn) == watermarks
        conn.close()
        half = raw_contents(db)
        for name in ("payments", "members"):  # one copy each, new or old
            ids = Counter(i for i, _ in half[name].elements())
            assert ids == Counter(r["_id"] for r in dataset[name]), name
        pull(url, db)
    after = raw_contents(db)
    assert sum(after["members"].values()) == len(dataset["members"])
    edited = [orjson.loads(p) for i, p in after["payments"] if i == invoice["_id"]]
    renamed = [orjson.loads(p) for i, p in after["members"] if i == member["_id"]]
    assert [p["reference"] for p in edited] == ["edited later"]
    assert [m["name"] for m in renamed] == ["renamed"]
    conn = duckdb.connect(str(db), read_only=True)
    touched = touched_partitions(conn)
    conn.close()
    assert ("payments", date.fromisoformat(invoice["date"][:10])) in touched


def test_an_inferred_change_filter_refused_falls_back_to_a_full_pull(defects_small_dir, tmp_path):
    # OfficeRnD documents no list filters for credits (reference §4.12): collections.py infers
    # `modifiedAt`. Where the real API refuses it, the pull is done in full, nothing lost.
    credits = collection("credits")
    assert credits.incremental_field == "modifiedAt"
    options = OfficeRnDOptions(refused_filters="credits:modifiedAt", **FAST)
    app = create_officernd_app(defects_small_dir, tmp_path / "state", options)
    db = tmp_path / "wh.duckdb"
    served = read_dataset(defects_small_dir)["credits"]
    pages = max(1, -(-len(served) // 50))
    with running(app) as url:
        first, _ = pull(url, db)
        app.state.simulator.store.delete("credits", served[0]["_id"])
        second, _ = pull(url, db)
    assert first["credits"].mode == "full"
    assert second["credits"].mode == "full (change filter refused)"
    # the refused request (one) and the full walk
    assert second["credits"].requests == 1 + pages
    assert second["credits"].dropped == 1  # a full pull sees the deletion
    assert second["payments"].mode == "incremental"
    ids = Counter(i for i, _ in raw_contents(db)["credits"].elements())
    assert ids == Counter(r["_id"] for r in served[1:])


def test_an_inferred_change_filter_accepted_pulls_only_changes(defects_small_dir, tmp_path):
    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**FAST))
    store = app.state.simulator.store
    db = tmp_path / "wh.duckdb"
    credit = read_dataset(defects_small_dir)["credits"][0]
    with running(app) as url:
        pull(url, db)
        store.advance_clock(3600)
        store.patch("credits", credit["_id"], {"count": 99})
        second, _ = pull(url, db)
    assert second["credits"].mode == "incremental"
    assert second["credits"].requests == 1  # one page of changes
    conn = duckdb.connect(str(db), read_only=True)
    [(payload,)] = conn.execute(
        "SELECT payload FROM raw.credits WHERE _id = ?", [credit["_id"]]
    ).fetchall()
    conn.close()
    assert orjson.loads(payload)["count"] == 99


def test_a_deleted_fee_leaves_raw_at_the_weekly_full_pull_and_touches_its_day(
    defects_small_dir, tmp_path
):
    from datetime import timedelta

    app = create_officernd_app(defects_small_dir, tmp_path / "state", OfficeRnDOptions(**FAST))
    db = tmp_path / "wh.duckdb"
    fee = next(f for f in read_dataset(defects_small_dir)["fees"] if f.get("issueDate"))
    day = date.fromisoformat(fee["issueDate"][:10])
    week = timedelta(days=7)

    def state() -> tuple[int, list]:
        conn = duckdb.connect(str(db), read_only=True)
        try:
            [(left,)] = conn.execute(
                "SELECT count(*) FROM raw.fees WHERE _id = ?", [fee["_id"]]
            ).fetchall()
            touched = conn.execute(
                "SELECT business_date FROM meta.touched_partitions WHERE collection = 'fees'"
            ).fetchall()
        finally:
            conn.close()
        return left, touched

    def sql(statement: str) -> None:
        conn = duckdb.connect(str(db))
        conn.execute(statement)
        conn.close()

    with running(app) as url:
        pull(url, db, refresh_after=week)
        sql("DELETE FROM meta.touched_partitions")  # staged, as the pipeline does next
        app.state.simulator.store.delete("fees", fee["_id"])
        # A day later: a change filter cannot see a deletion, so the fee stays.
        results, _ = pull(url, db, refresh_after=week)
        assert results["fees"].mode == "incremental"
        assert state() == (1, [])
        # A week after the first pull (its time moved back 7 days): fees are due.
        sql(
            "UPDATE meta.extract_state SET last_full_at = last_full_at - INTERVAL 7 DAY "
            "WHERE collection = 'fees'"
        )
        results, _ = pull(url, db, refresh_after=week)
        assert results["fees"].mode == "full (refresh)"
        assert results["fees"].dropped == 1
        assert results["payments"].mode == "incremental"  # pulled in full 0 days ago
        assert state() == (0, [(day,)])  # the fee's day is for `late_changes` to re-run
        # The pull in full is now the last one: the next is incremental again, and with no
        # interval (ORND_VISMA_FULL_REFRESH_DAYS=0) never due.
        results, _ = pull(url, db, refresh_after=week)
        assert results["fees"].mode == "incremental"
        results, _ = pull(url, db, refresh_after=None)
        assert results["fees"].mode == "incremental"
