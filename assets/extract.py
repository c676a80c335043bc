"""`raw.<table>` for every OfficeRnD collection, pulled in one step so collections are fetched
concurrently within the API's read budget and DuckDB has a single writer."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from ornd_visma.config import full_refresh_interval
from ornd_visma.officernd.collections import COLLECTIONS, Collection
from ornd_visma.officernd.extract import FILTER_REFUSED, REFRESH, extract_all
from ornd_visma.preview import Preview
from resources.officernd import OfficeRnDResource

GROUP = "extract"
RAW_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("_id", "VARCHAR"),
        dg.TableColumn("modified_at", "TIMESTAMP"),
        dg.TableColumn("business_date", "DATE", description="facts only"),
        dg.TableColumn("payload", "VARCHAR", description="the record as received, JSON"),
        dg.TableColumn("run_id", "VARCHAR"),
        dg.TableColumn("extracted_at", "TIMESTAMP"),
    ]
)


def raw_key(collection: Collection) -> dg.AssetKey:
    return dg.AssetKey(["raw", collection.table_name])


def _description(collection: Collection) -> str:
    how = (
        f"incrementally by `{collection.incremental_field}`, and in full once a week "
        "(`ORND_VISMA_FULL_REFRESH_DAYS`) to see what was deleted"
        if collection.incremental
        else "in full every run (the endpoint takes no change filter)"
    )
    kind = (
        f"Fact, business date `{collection.business_date}`."
        if collection.business_date
        else "Dimension (current state)."
    )
    return (
        f"OfficeRnD `{collection.name}` as the API returned it: `payload` holds each record, "
        f"with `_id`, `modified_at` and `business_date` as typed columns. Pulled {how}. {kind}"
    )


RAW_SPECS = [
    dg.AssetSpec(
        key=raw_key(c),
        description=_description(c),
        group_name=GROUP,
        kinds={"officernd", "duckdb"},
        # The columns are the same for every table and run: on the definition, not in each
        # materialization (Dagster serializes and stores every event's metadata).
        metadata={
            "dagster/table_name": f"raw.{c.table_name}",
            "dagster/column_schema": RAW_SCHEMA,
        },
    )
    for c in COLLECTIONS
]


@dg.multi_asset(
    specs=RAW_SPECS,
    can_subset=True,
    pool="duckdb",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
)
def officernd_raw(
    context: dg.AssetExecutionContext, officernd: OfficeRnDResource, warehouse: DuckDBResource
):
    """Pull the selected OfficeRnD collections into `raw`."""
    selected = [c for c in COLLECTIONS if raw_key(c) in context.selected_asset_keys]
    with officernd.client() as client, warehouse.get_connection() as conn:
        # A retried attempt is a new pull: rows its failed predecessor committed for some
        # collections must count as older copies, not as this pull's own duplicates.
        run_id = context.run.run_id
        if context.retry_number:
            run_id = f"{run_id}-retry{context.retry_number}"
        every = full_refresh_interval()
        results = extract_all(client, conn.cursor, selected, run_id=run_id, refresh_after=every)
        for collection in selected:
            result = results[collection.name]
            if result.mode == REFRESH:
                context.log.info(
                    f"{collection.name}: pulled in full (its last full pull was "
                    f"{every.days} days ago or more): {result.dropped} deleted in OfficeRnD"
                )
            if FILTER_REFUSED in result.mode:
                context.log.warning(
                    f"{collection.name}: OfficeRnD refused the `{collection.incremental_field}` "
                    "filter (inferred in officernd/collections.py); pulled in full instead"
                )
            table = f"raw.{collection.table_name}"
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchall()
            preview = Preview.of_query(
                conn,
                f"SELECT _id, modified_at, business_date, payload "
                f"FROM {table} ORDER BY modified_at DESC NULLS LAST LIMIT 5",
            )

            yield dg.MaterializeResult(
                asset_key=raw_key(collection),
                metadata={
                    "dagster/row_count": rows[0][0],
                    "records_received": result.records,
                    "requests": result.requests,
                    "mode": result.mode,
                    "watermark": result.watermark or "",
                    "dropped_as_deleted": result.dropped,
                    "business_dates_touched": len(result.business_dates),
                    "without_business_date": result.unplaced,
                    "preview": dg.MetadataValue.md(preview.markdown(empty="(empty)")),
                },
            )
        context.log.info(
            f"{client.stats.api_requests} API requests, {client.stats.token_requests} tokens, "
            f"{client.stats.retries} retries"
        )
