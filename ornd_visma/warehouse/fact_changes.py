"""Which days of a fact window need validating again: the daily run's share of fact staging.

A day's staged facts (`staging.<table>` and `quarantine.<table>` rows of that business date)
follow from its raw records, the references they are checked against and the validation
rules. `meta.staged_days` keeps, per collection and business date (NULL: the records without
one), a digest of the day's raw records (count and the sum of `md5_number(payload)`) and of
the inputs (`dimension_changes.inputs_digest`) as they were when the day was last staged. A
window is validated for the days whose digests differ, a day that lost all its records
included; the other days' rows stay as they are. The latest window re-validated every day
what is dated after it (future bookings, fees of the next bill run): now only what changed.

Records are validated a day at a time together, so the unique-id check sees two copies of an
id dated the same day (the way the API serves a duplicate) or written by the same pull (their
days both change); two copies of one id on two days of which only one changed are not
compared. The digests are written in the staging transaction's wake: a failure between the
two leaves them stale, and stale digests only ask for more validation, never less.
"""

from datetime import date

import duckdb

from ornd_visma.officernd.collections import Collection

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.staged_days (
    collection VARCHAR NOT NULL,
    business_date DATE,       -- NULL: the records without a business date
    digest VARCHAR NOT NULL,  -- count:sum(md5_number(payload)) of the day's raw records
    inputs VARCHAR NOT NULL   -- the references and rules they were validated with
);
"""
DAY_DIGESTS = """
SELECT business_date, count(*)::VARCHAR || ':' || sum(md5_number(payload))::VARCHAR
FROM raw.{table} WHERE {scope} GROUP BY business_date
"""
# The days left to validate, for the scope of the piece being staged.
CHANGED_DAYS = "fact_changed_days"


def changed_days(
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    scope: str,
    params: list,
    inputs: str,
) -> list[date | None]:
    """The business dates in `scope` (over `business_date`) whose raw records or inputs
    differ from when they were last staged; left in the temp table `fact_changed_days`."""
    conn.execute(META_DDL)
    now = dict(
        conn.execute(
            DAY_DIGESTS.format(table=collection.table_name, scope=scope), params
        ).fetchall()
    )
    was = {
        day: (digest, recorded_inputs)
        for day, digest, recorded_inputs in conn.execute(
            f"SELECT business_date, digest, inputs FROM meta.staged_days "
            f"WHERE collection = ? AND ({scope})",
            [collection.name, *params],
        ).fetchall()
    }
    days = [d for d in now.keys() | was.keys() if was.get(d) != (now.get(d), inputs)]
    # each with its digest now (NULL: the day has no records left), for `record`
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {CHANGED_DAYS} (day DATE, digest VARCHAR)")
    if days:
        conn.executemany(
            f"INSERT INTO {CHANGED_DAYS} VALUES (?, ?)", [[d, now.get(d)] for d in days]
        )
    return days


def only_changed(scope: str, column: str, days: list[date | None]) -> str:
    """`scope` narrowed to the changed days (`column`: `business_date` or `partition_date`)."""
    narrowed = f"{column} IN (SELECT day FROM {CHANGED_DAYS} WHERE day IS NOT NULL)"
    if None in days:
        narrowed += f" OR {column} IS NULL"
    return f"({scope}) AND ({narrowed})"


def record(conn: duckdb.DuckDBPyConnection, collection: Collection, inputs: str) -> None:
    """Remember the digests of the days just staged: those `changed_days` left."""
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(
            f"""DELETE FROM meta.staged_days AS s WHERE collection = ? AND EXISTS (
                    SELECT 1 FROM {CHANGED_DAYS} AS c
                    WHERE c.day IS NOT DISTINCT FROM s.business_date)""",
            [collection.name],
        )
        conn.execute(
            f"INSERT INTO meta.staged_days SELECT ?, day, digest, ? FROM {CHANGED_DAYS} "
            "WHERE digest IS NOT NULL",
            [collection.name, inputs],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
