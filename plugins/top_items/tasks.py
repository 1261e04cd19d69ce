"""What each task of the DAGs does, given only the feed date: build clients from connections, call the library.

Data problems (a bad file, an empty export) raise ``AirflowFailException``: retrying cannot fix them, so
the task fails at once and says why; infrastructure errors propagate and use the task's retries.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
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


@contextmanager
def _loading(data_errors: type[Exception]):
    """A warehouse connection with the raw and ops layers in place; a data error fails at once, unretried."""
    from top_items.ingest.schema import ensure_schemas

    with warehouse_connection() as conn:
        ensure_schemas(conn)
        try:
            yield conn
        except data_errors as exc:
            raise AirflowFailException(str(exc)) from exc


def load_reference_snapshots(feed_date: str, run_id: str) -> dict[str, int]:
    from top_items.ingest.reference import ReferenceSnapshotError, load_reference_snapshots

    with _loading(ReferenceSnapshotError) as conn:
        loads = load_reference_snapshots(conn, s3_client(), feed_date, run_id=run_id)
    return {load.table: load.rows for load in loads}


def ingest_inventory_feeds(feed_date: str, run_id: str) -> dict[str, int]:
    from top_items.ingest.feeds import FeedError, load_inventory_feeds

    with _loading(FeedError) as conn:
        result = load_inventory_feeds(conn, s3_client(), feed_date, run_id=run_id)
    return {"files": len(result.files), "rows_in": result.rows_in, "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined}


def build_model(model_name: str, feed_date: str, run_id: str) -> int:
    from top_items.transform.build import build
    from top_items.transform.models import by_name

    with warehouse_connection() as conn:
        return build(conn, by_name(model_name), feed_date, run_id=run_id).row_count


def quality_gate(gate: str, feed_date: str, run_id: str) -> dict:
    """Verify a gate's Soda contracts; fail (no retry) when a fail-level check fails, naming each one."""
    from top_items.quality import GateFailedError, run_gate

    with warehouse_connection() as conn:
        result = run_gate(conn, gate, feed_date, run_id=run_id)
    for line in result.summary().splitlines():
        log.info("%s", line)
    try:
        result.raise_for_failures()
    except GateFailedError as exc:
        raise AirflowFailException(str(exc)) from exc
    return {"passed": len(result.passed), "warned": len(result.warned), "no_history": len(result.no_history)}


def push_to_consumer(consumer: str, feed_date: str, run_id: str, *, dry_run: bool = False,
                     override_volume_guard: bool = False) -> dict:
    """Plan, push and record one consumer's export (the one sync engine for S3, Salesforce and the CRM).

    A destination that is down raises as is, so the task's retries apply; rejected records beyond the
    consumer's threshold, bad credentials, a blocked volume or an empty export fail at once, naming the cause.
    """
    from top_items.activation.engine import sync_consumer
    from top_items.activation.errors import SyncError

    with warehouse_connection() as conn:
        try:
            run = sync_consumer(conn, consumer, feed_date, run_id=run_id, dry_run=dry_run,
                                override_volume_guard=override_volume_guard)
        except SyncError as exc:
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc
    if dry_run:
        log.info("[dry run] %s for %s: %s\n%s", consumer, feed_date, run.plan.describe(), run.detail)
    return {"outcome": run.outcome, "planned": run.planned, "succeeded": run.succeeded, "failed": run.failed,
            "records_pushed": run.records_pushed, "api_calls": run.api_calls, "location": run.location}


def run_summary(feed_date: str, run_id: str, task_states: dict[str, str]) -> str:
    """Log the summary whatever happened; then fail the run if any task did (its alert was already sent)."""
    from top_items.summary import format_summary, gather

    with warehouse_connection() as conn:
        text = format_summary(gather(conn, feed_date, run_id=run_id))
    for line in text.splitlines():
        log.info("%s", line)
    broken = sorted(task for task, state in task_states.items() if state in ("failed", "upstream_failed"))
    if broken:
        raise AirflowFailException(f"run failed or was stopped at: {', '.join(broken)}")
    return text
