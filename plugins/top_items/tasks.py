"""What each task of the DAGs does, given only the feed date: build clients from connections, call the library.

Data problems (a bad file, an empty export) raise ``AirflowFailException``: retrying cannot fix them, so
the task fails at once and says why; infrastructure errors propagate and use the task's retries.
"""

from __future__ import annotations

import logging
from datetime import date

from airflow.sdk.exceptions import AirflowFailException

from top_items.connections import s3_client, warehouse_connection

log = logging.getLogger(__name__)


def resolve_feed_date(requested: str | None, logical_date) -> str:
    """The run's feed date: the ``feed_date`` param when given, else the run's logical date."""
    if requested:
        return date.fromisoformat(str(requested)).isoformat()
    if logical_date is None:
        raise AirflowFailException("this run has no logical date (asset-triggered?): pass the feed_date param")
    return logical_date.date().isoformat()


def write_source_files(feed_date: str, **knobs) -> dict:
    from dataclasses import asdict

    from top_items.simulate.catalog import WorldSpec
    from top_items.simulate.publish import write_day

    return asdict(write_day(s3_client(), WorldSpec(**knobs), date.fromisoformat(feed_date)))


def load_reference_snapshots(feed_date: str, run_id: str) -> dict[str, int]:
    from top_items.ingest.reference import ReferenceSnapshotError, load_reference_snapshots
    from top_items.ingest.schema import ensure_schemas

    with warehouse_connection() as conn:
        ensure_schemas(conn)
        try:
            loads = load_reference_snapshots(conn, s3_client(), feed_date, run_id=run_id)
        except ReferenceSnapshotError as exc:
            raise AirflowFailException(str(exc)) from exc
    return {load.table: load.rows for load in loads}


def ingest_inventory_feeds(feed_date: str, run_id: str) -> dict[str, int]:
    from top_items.ingest.feeds import FeedError, load_inventory_feeds
    from top_items.ingest.schema import ensure_schemas

    with warehouse_connection() as conn:
        ensure_schemas(conn)
        try:
            result = load_inventory_feeds(conn, s3_client(), feed_date, run_id=run_id)
        except FeedError as exc:
            raise AirflowFailException(str(exc)) from exc
    return {"files": len(result.files), "rows_in": result.rows_in, "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined}


def build_model(model_name: str, feed_date: str, run_id: str) -> int:
    from top_items.transform.build import build
    from top_items.transform.models import by_name

    with warehouse_connection() as conn:
        return build(conn, by_name(model_name), feed_date, run_id=run_id).row_count


def publish_retailer_app(feed_date: str, run_id: str) -> dict:
    from top_items.activation.retailer_app import EmptyExportError, publish

    with warehouse_connection() as conn:
        try:
            pub = publish(conn, s3_client(), feed_date, run_label=run_id)
        except EmptyExportError as exc:
            raise AirflowFailException(str(exc)) from exc
    return {"records": pub.row_count, "prefix": pub.prefix, "latest_moved": pub.latest_moved}


def run_summary(feed_date: str) -> str:
    from top_items.summary import format_summary, gather

    with warehouse_connection() as conn:
        text = format_summary(gather(conn, feed_date))
    for line in text.splitlines():
        log.info("%s", line)
    return text
