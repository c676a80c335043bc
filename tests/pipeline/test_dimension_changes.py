"""The daily run's dimension staging: only what changed is validated again, and the tables
come out as a whole re-validation makes them (no Dagster)."""

import duckdb
import pytest

from assets.staging import DIMENSION_ORDER
from ornd_visma.officernd.collections import collection
from ornd_visma.sandbox.dataset import read_dataset
from ornd_visma.warehouse import dimension_changes, reference_changes
from ornd_visma.warehouse.staging import load_references, stage_dimension
from tests.books.warehouse import staged_contents, staged_warehouse

OTHER_LOCATION = "abcdef" * 4


def contents(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[list, list]]:
    return staged_contents(conn, DIMENSION_ORDER)


def changed(conn, name: str) -> dimension_changes.Changes:
    """What stage_dimension would validate of `name` now."""
    c = collection(name)
    references = load_references(conn)
    inputs = dimension_changes.inputs_digest(c, references)
    items = reference_changes.items(c, references, dimension_changes.rules_digest())
    return dimension_changes.changes(conn, c, inputs, items=items)


def stage_all(conn, whole: bool = False) -> None:
    for c in DIMENSION_ORDER:
        stage_dimension(conn, c, whole=whole)


@pytest.fixture
def warehouse(tmp_path, defects_small_dir):
    conn = staged_warehouse(tmp_path / "wh.duckdb", read_dataset(defects_small_dir))
    yield conn
    conn.close()


def test_nothing_changed_nothing_validated(warehouse):
    for c in DIMENSION_ORDER:
        assert changed(warehouse, c.name) == dimension_changes.Changes(whole=False, ids=0), c.name
    before = contents(warehouse)
    stage_all(warehouse)
    assert contents(warehouse) == before


def test_edits_deletions_and_duplicates_give_what_a_whole_run_gives(warehouse):
    conn = warehouse
    [(member,)] = conn.execute("SELECT _id FROM raw.members ORDER BY _id LIMIT 1").fetchall()
    [(assignment,)] = conn.execute(
        "SELECT _id FROM raw.assignments ORDER BY _id LIMIT 1"
    ).fetchall()
    [(credit,)] = conn.execute("SELECT id FROM staging.credits ORDER BY id LIMIT 1").fetchall()
    # An edit, a deletion in OfficeRnD, the same record served twice, a record with no id.
    conn.execute(
        """UPDATE raw.members SET payload = json_merge_patch(payload, '{"name": "Édith Ny"}')
           WHERE _id = ?""",
        [member],
    )
    conn.execute("DELETE FROM raw.assignments WHERE _id = ?", [assignment])
    conn.execute("INSERT INTO raw.credits SELECT * FROM raw.credits WHERE _id = ?", [credit])
    conn.execute(
        """INSERT INTO raw.coins SELECT NULL, modified_at, business_date,
                  json_merge_patch(payload, '{"_id": 7}'), run_id, extracted_at
           FROM raw.coins LIMIT 1"""
    )
    # One id each (the coin without a string id counts as the NULL id); the rest untouched.
    assert changed(conn, "members") == dimension_changes.Changes(whole=False, ids=1)
    assert changed(conn, "assignments") == dimension_changes.Changes(whole=False, ids=1)
    assert changed(conn, "credits") == dimension_changes.Changes(whole=False, ids=1)
    assert changed(conn, "coins") == dimension_changes.Changes(whole=False, ids=1)
    assert changed(conn, "resources") == dimension_changes.Changes(whole=False, ids=0)

    stage_all(conn)
    partial = contents(conn)
    staged_name = conn.execute("SELECT name FROM staging.members WHERE id = ?", [member]).fetchall()
    assert staged_name == [("Édith Ny",)]
    assert conn.execute(
        "SELECT count(*) FROM staging.assignments WHERE id = ?", [assignment]
    ).fetchall() == [(0,)]
    # both copies of the credit quarantined by the unique-id check, none staged
    assert conn.execute(
        "SELECT count(*) FROM quarantine.credits WHERE record_id = ? AND 'unique_id' = ANY(checks)",
        [credit],
    ).fetchall() == [(2,)]
    assert conn.execute(
        "SELECT count(*) FROM staging.credits WHERE id = ?", [credit]
    ).fetchall() == [(0,)]
    for c in DIMENSION_ORDER:  # a second run finds nothing left to do
        assert changed(conn, c.name).ids == 0, c.name

    stage_all(conn, whole=True)
    assert contents(conn) == partial


def test_a_changed_reference_revalidates_the_whole_table(warehouse):
    conn = warehouse
    [(location,)] = conn.execute("SELECT id FROM staging.locations ORDER BY id LIMIT 1").fetchall()
    # The location replaced by another (the small operator has one: an empty set of known
    # locations would skip the check).
    conn.execute(
        f"""INSERT INTO raw.locations SELECT '{OTHER_LOCATION}', modified_at, business_date,
                  json_merge_patch(payload, json_object('_id', '{OTHER_LOCATION}')),
                  run_id, extracted_at
           FROM raw.locations WHERE _id = ?""",
        [location],
    )
    conn.execute("DELETE FROM raw.locations WHERE _id = ?", [location])
    stage_dimension(conn, collection("locations"))
    # floors point at locations: the set they are checked against changed
    assert changed(conn, "floors").whole
    stage_all(conn)
    partial = contents(conn)
    stage_all(conn, whole=True)
    assert contents(conn) == partial
    floors_quarantined = conn.execute(
        "SELECT count(*) FROM quarantine.floors WHERE 'location_exists' = ANY(checks)"
    ).fetchall()[0][0]
    [(on_location,)] = conn.execute(
        "SELECT count(*) FROM raw.floors WHERE json_extract_string(payload, '$.location') = ?",
        [location],
    ).fetchall()
    assert on_location > 0 and floors_quarantined >= on_location


def test_records_in_another_order_or_pulled_again_are_unchanged_but_a_twin_edit_is_not(warehouse):
    conn = warehouse
    # A full pull rewrites every row (new run id, new time, another order): same records.
    conn.execute(
        "CREATE TEMP TABLE again AS SELECT * FROM raw.members ORDER BY _id DESC; "
        "DELETE FROM raw.members; "
        "INSERT INTO raw.members SELECT _id, modified_at, business_date, payload, 'run-2', "
        "now()::TIMESTAMP FROM again"
    )
    assert changed(conn, "members") == dimension_changes.Changes(whole=False, ids=0)
    # The same credit served twice, then both copies edited alike: the XOR of two equal
    # digests is 0 before and after, so the test must tell by the sum; 1 id changed.
    [(credit,)] = conn.execute("SELECT id FROM staging.credits ORDER BY id LIMIT 1").fetchall()
    conn.execute("INSERT INTO raw.credits SELECT * FROM raw.credits WHERE _id = ?", [credit])
    stage_dimension(conn, collection("credits"))
    assert changed(conn, "credits").ids == 0
    conn.execute(
        """UPDATE raw.credits SET payload = json_merge_patch(payload, '{"note": "x"}')
           WHERE _id = ?""",
        [credit],
    )
    assert changed(conn, "credits") == dimension_changes.Changes(whole=False, ids=1)


def test_a_new_company_revalidates_only_the_members_quarantined_and_changed(warehouse):
    conn = warehouse
    new_company = "c0ffee" * 4
    members = conn.execute("SELECT _id FROM raw.members ORDER BY _id LIMIT 2").fetchall()
    [(waiting,), (edited,)] = members
    # A member points at a company OfficeRnD has not served yet: quarantined.
    conn.execute(
        "UPDATE raw.members SET payload = json_merge_patch(payload, json_object('company', ?)) "
        "WHERE _id = ?",
        [new_company, waiting],
    )
    stage_all(conn)
    exists = "SELECT count(*) FROM quarantine.members WHERE record_id = ? AND ? = ANY(checks)"
    assert conn.execute(exists, [waiting, "company_exists"]).fetchall() == [(1,)]
    quarantined = conn.execute(
        "SELECT count(DISTINCT record_id) FROM quarantine.members WHERE record_id IS NOT NULL"
    ).fetchall()[0][0]
    # The company arrives, and another member is edited the same day.
    conn.execute(
        "INSERT INTO raw.companies SELECT ?, modified_at, business_date, "
        "json_merge_patch(payload, json_object('_id', ?)), run_id, extracted_at "
        "FROM raw.companies WHERE _id = (SELECT min(_id) FROM raw.companies)",
        [new_company, new_company],
    )
    conn.execute(
        """UPDATE raw.members SET payload = json_merge_patch(payload, '{"name": "Ny Namn"}')
           WHERE _id = ?""",
        [edited],
    )
    stage_dimension(conn, collection("companies"))
    todo = changed(conn, "members")
    # companies only gained an id: the quarantined members and the edited one, not all
    assert not todo.whole and todo.inputs_moved
    assert todo.ids == quarantined + 1
    stage_all(conn)
    assert conn.execute(exists, [waiting, "company_exists"]).fetchall() == [(0,)]
    assert conn.execute(
        "SELECT count(*) FROM staging.members WHERE id = ?", [waiting]
    ).fetchall() == [(1,)]
    for c in DIMENSION_ORDER:  # recorded: a second run finds nothing to do
        assert changed(conn, c.name) == dimension_changes.Changes(whole=False, ids=0), c.name
    partial = contents(conn)
    stage_all(conn, whole=True)
    assert contents(conn) == partial


def test_a_reference_lost_or_first_known_revalidates_the_whole_table(warehouse):
    conn = warehouse
    c = collection("members")
    references = load_references(conn)
    rules = dimension_changes.rules_digest()
    now = reference_changes.items(c, references, rules)
    assert reference_changes.only_added(conn, c, now)  # as recorded by the last staging
    some_company = next(item for kind, item in sorted(now) if kind == "companies")
    assert not reference_changes.only_added(conn, c, now - {("companies", some_company)})
    other_rules = (now - {("_rules", rules)}) | {("_rules", "other")}
    assert not reference_changes.only_added(conn, c, other_rules)
    # a kind that was empty skipped its check: known now, it can fail what passed
    without_locations = {(k, i) for k, i in now if k != "locations"}
    reference_changes.record(conn, c, without_locations)
    assert not reference_changes.only_added(conn, c, now)
