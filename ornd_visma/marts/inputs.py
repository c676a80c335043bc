"""What a mart reads: the daily run's share of the marts (`warehouse/fingerprints.py`).

A mart's tables follow from its `.sql` file (and the exact-division functions it calls), the
variables set for it (`as_of`, coefficients), and the contents of what it reads: the tables
its file and its views name (`staging.memberships`, `core.revenue_schedule`, another mart),
and the temp tables its builder filled for it (`_costs`, `_vat_parts`: a temp relation its
SQL names and does not make itself). When none of that changed since the mart was built,
`build.rebuild` skips it.

Reading every input costs a scan, not a rebuild's joins: on the demo operator about 20 ms
for occupancy's inputs against 450 ms for building it. A day that changes one membership
changes the fingerprint and rebuilds the mart whole: correct, and no slower than before. The
marts that run to `as_of` have a new one every calendar day: occupancy then writes only from
the month of its last `as_of` on (`horizon.py`); MRR and lifetime (a tenth of a second and
less) are rebuilt whole. The ones the books feed (revenue, the VAT return, the margin) are
rebuilt only when the books or Visma's costs changed.
"""

from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import duckdb

from ornd_visma.warehouse import fingerprints


def fingerprint(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    tables: list[str],
    variables: Mapping[str, tuple[Any, str]],
    views: Mapping[str, str],
    where: Mapping[str, str] | None = None,
) -> str:
    """The digest of everything the build of `tables` by `sql` (a mart's file) reads, its
    temp views set up; of a relation `where` names, the rows its condition holds for."""
    settings = "".join(f"\0{n}={v!r}::{k}" for n, (v, k) in sorted(variables.items()))
    settings += "".join(f"\0view {n}={q}" for n, q in sorted(views.items()))
    code = [sql.encode(), files("ornd_visma.marts").joinpath("functions.py").read_bytes()]
    own = {f"marts.{t}" for t in tables}
    reads = fingerprints.reads(conn, sql, list(views.values()), own)
    return fingerprints.fingerprint(conn, code, settings, reads, where)
