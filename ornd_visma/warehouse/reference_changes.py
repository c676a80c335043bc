"""Whether a dimension's references only grew since it was last validated.

A record's reference checks (`<column>_exists`) ask whether the id it points at is known. A
known id more can only turn a quarantined record valid, never a valid one invalid; an id
fewer, a tax rate's percent changed, or a set that was empty (an empty set skips its check,
`References`) can turn valid records invalid. So when the only change to what a table is
checked against is new ids (a new company, a new membership: every real day), validating
again what changed in the table and what is in its quarantine gives what validating the
whole table gives (`dimension_changes.changes`); anything else re-validates it whole.

`meta.staged_references` keeps the items a table was last validated against: per reference
kind its ids (a tax rate as `id=percent`), and the validation code's digest as the kind
`_rules`, so a change of rules is an item removed like any other.
"""

from collections.abc import Iterable

import duckdb

from ornd_visma.officernd.collections import Collection
from ornd_visma.validation import References, reference_kinds

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.staged_references (
    collection VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,   -- a References attribute, or _rules
    item VARCHAR NOT NULL    -- an id, `id=percent` for a tax rate, or the rules' digest
);
"""
RULES = "_rules"


def items(collection: Collection, references: References, rules: str) -> set[tuple[str, str]]:
    """What `collection` is checked against, as (kind, item) pairs."""
    out = {(RULES, rules)}
    for kind in reference_kinds(collection.name):
        known = getattr(references, kind)
        if isinstance(known, dict):
            out |= {(kind, f"{key}={value}") for key, value in known.items()}
        else:
            out |= {(kind, str(key)) for key in known}
    return out


def _kinds(pairs: Iterable[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in pairs}


def only_added(
    conn: duckdb.DuckDBPyConnection, collection: Collection, now: set[tuple[str, str]]
) -> bool:
    """Whether `now` holds every item the table was last validated against, and every kind
    `now` has was known (not empty) then; False when nothing was recorded."""
    conn.execute(META_DDL)
    was = {
        (kind, item)
        for kind, item in conn.execute(
            "SELECT kind, item FROM meta.staged_references WHERE collection = ?",
            [collection.name],
        ).fetchall()
    }
    if not was or not was <= now:
        return False
    # a kind empty then skipped its check: known now, it can fail records that passed
    return _kinds(now) <= _kinds(was)


def record(
    conn: duckdb.DuckDBPyConnection, collection: Collection, now: set[tuple[str, str]]
) -> None:
    """Inside the staging record's transaction: `collection` was validated against `now`."""
    conn.execute(META_DDL)
    conn.execute("DELETE FROM meta.staged_references WHERE collection = ?", [collection.name])
    kinds, values = zip(*sorted(now), strict=True) if now else ((), ())
    # One statement: DuckDB's executemany runs a statement per row.
    conn.execute(
        "INSERT INTO meta.staged_references "
        "SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [collection.name, list(kinds), list(values)],
    )
