"""Extraction: OfficeRnD collections into `raw.<table>`, incrementally where the API allows.

* A collection whose list endpoint accepts `modifiedAt[$gte]` is pulled in full once, then only
  what changed since the watermark (check-ins, which take no `modifiedAt` filter, by
  `start`). The watermark is the newest `modifiedAt` seen, less the
  walk's duration and a safety overlap: a record edited while we page past it keeps a
  `modifiedAt` after that point, so the next run still sees it. Re-fetched records are
  upserted, so the overlap costs a few rows, never duplicates.
* A collection without it (`/memberships`, observed on staging) is pulled in full every run,
  and records no longer served are dropped (deleted in OfficeRnD). A change filter cannot see
  a deletion, so an incremental collection is pulled in full again when its last full pull
  is `refresh_after` old (`ORND_VISMA_FULL_REFRESH_DAYS`, a week by default; its mode says
  "full (refresh)"), or when forced (`full_refresh`). A dropped fact's business date is a
  touched partition, as an edited one's: the `late_changes` sensor re-runs its day.
* Pages are written as they arrive, in batches, committed every `COMMIT_RECORDS` (`RawPull`):
  a failed pull leaves one copy of each record and its watermark unchanged. Collections are
  pulled concurrently within the client's read budget.

We keep the whole record (no `$select`): the raw layer is the audit trail of what OfficeRnD
sent, and the books use most fields.
"""

import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb

from ornd_visma.officernd.client import FilterRefused, OfficeRnDClient
from ornd_visma.officernd.collections import Collection
from ornd_visma.warehouse.raw import RawPull, ensure_raw, pull_state

WATERMARK_OVERLAP = timedelta(minutes=5)
# A check-in is created at its start and closed at its end: re-read the last day's.
START_OVERLAP = timedelta(days=1)
BATCH_RECORDS = 5000
# Committed this often: DuckDB holds a transaction's rows in memory until it commits.
COMMIT_RECORDS = 20_000
DEFAULT_WORKERS = 4
FILTER_REFUSED = "change filter refused"
REFRESH = "full (refresh)"


@dataclass
class ExtractResult:
    collection: str
    mode: str  # "incremental", "full", "full (refresh)" or "full (change filter refused)"
    records: int
    requests: int
    dropped: int
    watermark: str | None
    # Business dates of the records received (facts): the partitions they touch.
    business_dates: set[date] = field(default_factory=set)
    unplaced: int = 0  # fact records without a parseable business date


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def extract_collection(
    client: OfficeRnDClient,
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    run_id: str,
    *,
    full_refresh: bool = False,
    refresh_after: timedelta | None = None,
) -> ExtractResult:
    """Pull one collection into `raw.<table>` (which `ensure_raw` created); see the module
    docstring for the rules. An incremental collection whose last full pull is
    `refresh_after` old is pulled in full (None: only when forced).

    An incremental pull whose filter the endpoint refuses (400 "property modifiedAt should not
    exist": the filter was inferred, see `collections.py`) is redone in full, as third-party
    sync tools do, and says so in its mode. The refusal costs one request a run.
    """
    state = pull_state(conn, collection) if collection.incremental and not full_refresh else None
    watermark = state.watermark if state else None
    before = client.stats.by_collection.get(collection.name, 0)
    now = datetime.now(UTC).replace(tzinfo=None)
    if watermark is not None and state.full_pull_due(refresh_after, now):
        return _pull(client, conn, collection, run_id, None, REFRESH, before)
    if watermark is None:
        return _pull(client, conn, collection, run_id, None, "full", before)
    try:
        return _pull(client, conn, collection, run_id, watermark, "incremental", before)
    except FilterRefused:
        return _pull(client, conn, collection, run_id, None, f"full ({FILTER_REFUSED})", before)


def _pull(
    client: OfficeRnDClient,
    conn: duckdb.DuckDBPyConnection,
    collection: Collection,
    run_id: str,
    watermark: str | None,
    mode: str,
    requests_before: int,
) -> ExtractResult:
    """One walk of the collection: in full when `watermark` is None, else changes since it.
    Its requests count from `requests_before` (a refused filter's request included)."""
    full = watermark is None
    by = collection.incremental_field
    filters = {} if full else {f"{by}[$gte]": watermark}
    started = time.monotonic()
    extracted_at = datetime.now(UTC).replace(tzinfo=None)
    result = ExtractResult(collection.name, mode, 0, 0, 0, None)
    pull = RawPull(
        conn,
        collection,
        run_id,
        extracted_at,
        full=full,
        batch_records=BATCH_RECORDS,
        commit_records=COMMIT_RECORDS,
    )
    try:
        for page, body in client.walk(collection.name, filters):
            pull.add_page(body, len(page["results"]))
        pull.flush()
        progress = pull.progress
        result.records = progress.records
        result.business_dates = progress.changed_days
        if collection.incremental:
            overlap = WATERMARK_OVERLAP if by == "modifiedAt" else START_OVERLAP
            walk = timedelta(seconds=time.monotonic() - started)
            if progress.newest is not None:  # DuckDB gives naive UTC
                newest = progress.newest.replace(tzinfo=UTC)
                result.watermark = _iso(newest - walk - overlap)
            else:
                result.watermark = watermark
        result.requests = client.stats.by_collection.get(collection.name, 0) - requests_before
        result.dropped = pull.finish(
            watermark=result.watermark,
            requests=result.requests,
            finished_at=datetime.now(UTC).replace(tzinfo=None),
        )
        result.unplaced = progress.unplaced
    except BaseException:
        pull.rollback()
        raise
    return result


def extract_all(
    client: OfficeRnDClient,
    connect: Callable[[], duckdb.DuckDBPyConnection],
    collections: Iterable[Collection],
    *,
    run_id: str | None = None,
    full_refresh: bool = False,
    refresh_after: timedelta | None = None,
    workers: int = DEFAULT_WORKERS,
) -> dict[str, ExtractResult]:
    """Pull several collections concurrently; `connect` gives each worker its own cursor."""
    run_id = run_id or uuid.uuid4().hex
    collections = list(collections)
    setup = connect()
    try:
        ensure_raw(setup, *collections)
    finally:
        setup.close()

    def one(collection: Collection) -> ExtractResult:
        conn = connect()
        try:
            return extract_collection(
                client, conn, collection, run_id,
                full_refresh=full_refresh, refresh_after=refresh_after,
            )  # fmt: skip
        finally:
            conn.close()

    # Largest collections first, so the slowest pull starts at once.
    ordered = sorted(collections, key=lambda c: c.business_date is None)
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        results = list(pool.map(one, ordered))
    except BaseException:
        # a stop (SIGINT/SIGTERM) or a failed pull: the queued pulls never start and the
        # running ones end at their next request, so the run ends in seconds
        client.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return {result.collection: result for result in results}
