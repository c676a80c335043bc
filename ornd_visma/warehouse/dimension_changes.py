"""Which records of a dimension need validating again: the daily run's share of staging.

A dimension's staged rows (`staging.<table>` + `quarantine.<table>`) follow from three inputs:
its raw records, the ids its references point at, and the validation rules. The warehouse
keeps what each was when the table was last staged: `meta.staged_records` a digest of every
raw record then, `meta.staged_inputs` one digest of the references the table's columns check
against and of the validation code. So:

* rules changed, references lost an id, or nothing recorded (the first run, a table
  re-created): the whole table is validated again;
* references only gained ids (`reference_changes.py`): the ids below, and every id in the
  table's quarantine (a record that pointed at an id unknown then may pass now);
* otherwise, when the raw records are the multiset that was validated (a count and two
  order-free sums of their digests, `SAME_RECORDS`: one scan, no temp table), nothing;
* otherwise only the ids whose raw copies differ from what was validated (new, edited,
  deleted in OfficeRnD, or duplicated since), every copy of each id together so the
  unique-id check sees them all, plus the records without a string `_id` (few, and always
  quarantined under no id, so they are validated together);
* nothing differs: nothing is validated.

The multiset test is what an unchanged day costs (the daily run asks it of 16 tables): a
record count, the XOR and the sum of the digests' upper 64 bits. Two different multisets
pass it only if they have as many records and collide on both sums; the same records in
another order or with another `extracted_at` pass it, as they should.

A full pull rewrites every raw row (`run_id`, `extracted_at`), so what changed is told by the
payload's digest (`md5_number`), not by the pull. The digests are written after the staging
transaction commits: a failure between the two leaves them stale, and stale digests only ask
for more validation, never less.
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import duckdb

from ornd_visma.officernd.collections import Collection
from ornd_visma.validation import References, reference_kinds
from ornd_visma.warehouse import reference_changes
from ornd_visma.warehouse.tables import existing_tables

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.staged_records (
    collection VARCHAR NOT NULL,
    _id VARCHAR,              -- NULL for a record without a string _id
    digest UHUGEINT NOT NULL  -- md5_number(payload) of the raw copy validated
);
CREATE TABLE IF NOT EXISTS meta.staged_inputs (
    collection VARCHAR PRIMARY KEY,
    inputs VARCHAR NOT NULL   -- sha256 of the references checked and the validation code
);
"""
# The raw records of no string `_id`: validated with every partial run (their quarantine
# rows carry no id to match them by).
NO_STRING_ID = "json_type(payload, '$._id') IS DISTINCT FROM 'VARCHAR'"
RECORD_ID = f"CASE WHEN {NO_STRING_ID} THEN NULL ELSE _id END"
# Ids whose raw copies differ from the ones validated (as multisets: a duplicate counts);
# NULL among them: a record without a string id changed.
CHANGED_IDS = f"""
WITH now AS (SELECT {RECORD_ID} AS _id, md5_number(payload) AS digest FROM raw.{{table}}),
was AS (SELECT _id, digest FROM meta.staged_records WHERE collection = $collection)
SELECT _id FROM (SELECT * FROM now EXCEPT ALL SELECT * FROM was)
UNION
SELECT _id FROM (SELECT * FROM was EXCEPT ALL SELECT * FROM now)
"""
# Whether raw holds the multiset of digests validated last (module docstring).
_RECORDS_SUMMARY = "(count(*), bit_xor(d), sum((d >> 64)::UBIGINT))"
SAME_RECORDS = f"""
SELECT (SELECT {_RECORDS_SUMMARY} FROM (SELECT md5_number(payload) AS d FROM raw.{{table}}))
    IS NOT DISTINCT FROM
    (SELECT {_RECORDS_SUMMARY} FROM (
        SELECT digest AS d FROM meta.staged_records WHERE collection = $collection))
"""


@dataclass(frozen=True)
class Changes:
    """What a staging run of one dimension validates: all of it, or `ids` (in the temp
    table `dimension_changed_ids`) and the records without a string id."""

    whole: bool
    ids: int = 0
    # what the table is checked against moved (ids only added): record it even if no id
    # needs validating
    inputs_moved: bool = False


@cache
def rules_digest() -> str:
    """The validation code as it is: a change to any rule re-validates every table."""
    digest = hashlib.sha256()
    package = files("ornd_visma.validation")
    for name in sorted(p.name for p in package.iterdir() if p.name.endswith(".py")):
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    return digest.hexdigest()


def inputs_digest(collection: Collection, references: References) -> str:
    """The references `collection`'s columns check against, and the rules, as one digest."""
    digest = hashlib.sha256(rules_digest().encode())
    kinds = sorted(reference_kinds(collection.name))
    for kind in kinds:
        known = getattr(references, kind)
        items = sorted(known.items()) if isinstance(known, dict) else sorted(known)
        digest.update(f"\0{kind}\0{items!r}".encode())
    return digest.hexdigest()


def ensure_meta(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(META_DDL)


def changes(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    inputs: str,
    present: frozenset[str] | None = None,
    items: set[tuple[str, str]] | None = None,
) -> Changes:
    """What needs validating; for a partial run the ids are left in `dimension_changed_ids`.
    `present`: the warehouse's tables, when the caller has read them; `items`: what the
    table is checked against now (`reference_changes.items`; None: any change is whole)."""
    table = collection.table_name
    present = existing_tables(conn) if present is None else present
    if not {"meta.staged_inputs", "meta.staged_records"} <= present:
        ensure_meta(conn)
        return Changes(whole=True)
    recorded = conn.execute(
        "SELECT inputs FROM meta.staged_inputs WHERE collection = ?", [collection.name]
    ).fetchall()
    staged = {f"staging.{table}", f"quarantine.{table}"} <= present
    if not recorded or not staged:
        return Changes(whole=True)
    params = {"collection": collection.name}
    moved = recorded[0][0] != inputs
    if moved:
        if items is None or not reference_changes.only_added(conn, collection, items):
            return Changes(whole=True)
    elif conn.execute(SAME_RECORDS.format(table=table), params).fetchone()[0]:
        return Changes(whole=False, ids=0)
    # the quarantined ids too when references gained ids: those are the records they change
    quarantined = (
        f" UNION SELECT record_id FROM quarantine.{table} WHERE record_id IS NOT NULL"
        if moved
        else ""
    )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE dimension_changed_ids AS "
        + CHANGED_IDS.format(table=table)
        + quarantined,
        params,
    )
    [(ids,)] = conn.execute("SELECT count(*) FROM dimension_changed_ids").fetchall()
    return Changes(whole=False, ids=ids, inputs_moved=moved)


@dataclass(frozen=True)
class Scopes:
    """WHERE clauses of one staging run: the raw rows it validates, and the staging,
    quarantine and `meta.staged_records` rows those replace."""

    raw: str
    staging: str
    quarantine: str
    recorded: str


CHANGED = "(SELECT _id FROM dimension_changed_ids)"
WHOLE = Scopes("true", "true", "true", "true")
PARTIAL = Scopes(
    raw=f"_id IN {CHANGED} OR {NO_STRING_ID}",
    staging=f"id IN {CHANGED}",
    quarantine=f"record_id IN {CHANGED} OR record_id IS NULL",
    recorded=f"_id IN {CHANGED} OR _id IS NULL",
)


def scopes(whole: bool) -> Scopes:
    return WHOLE if whole else PARTIAL


def record(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    inputs: str,
    whole: bool,
    items: set[tuple[str, str]] | None = None,
) -> None:
    """Remember the raw copies just validated and the inputs they were validated with
    (`items`: what they were checked against, item by item)."""
    ensure_meta(conn)
    scope = scopes(whole)
    params = {"collection": collection.name}
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(
            f"DELETE FROM meta.staged_records WHERE collection = $collection "
            f"AND ({scope.recorded})",
            params,
        )
        conn.execute(
            f"""INSERT INTO meta.staged_records
                SELECT $collection, {RECORD_ID}, md5_number(payload)
                FROM raw.{collection.table_name} WHERE {scope.raw}""",
            params,
        )
        conn.execute(
            "INSERT OR REPLACE INTO meta.staged_inputs VALUES ($collection, $inputs)",
            {**params, "inputs": inputs},
        )
        if items is not None:
            reference_changes.record(conn, collection, items)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
