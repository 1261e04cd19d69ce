"""The one entry point the DAG calls for every consumer: ``sync_consumer(conn, "salesforce", "2026-11-25", ...)``."""

from __future__ import annotations

from top_items.activation import engine
from top_items.activation.base import (  # noqa: F401 - re-exported for callers
    AuthError,
    Destination,
    DestinationUnavailable,
    SyncError,
    TooManyRejected,
)
from top_items.activation.engine import BatchHook, SyncResult
from top_items.activation.guard import VolumeGuardBlocked  # noqa: F401 - re-exported for callers
from top_items.registry import Consumer, consumer


def build_destination(spec: Consumer, *, run_label: str, feed_date: str, s3=None) -> Destination:
    """The destination named in consumers.yml, with credentials from its Airflow connection only."""
    if spec.destination == "salesforce":
        from top_items.activation.salesforce import SalesforceDestination

        return SalesforceDestination(spec)
    if spec.destination == "hubspot":
        from top_items.activation.crm import CrmDestination

        return CrmDestination(spec)
    if spec.destination == "s3":
        from top_items.activation.retailer_app import RetailerAppDestination

        if s3 is None:
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            s3 = S3Hook(aws_conn_id=spec.connection).get_conn()
        return RetailerAppDestination(s3, feed_date, run_label)
    raise ValueError(f"consumers.yml: {spec.name} has unknown destination {spec.destination!r}")


def sync_consumer(conn, consumer_name: str, feed_date: str, *, run_id: str, dry_run: bool = False,
                  on_batch: BatchHook | None = None, destination: Destination | None = None,
                  override_volume_guard: bool = False) -> SyncResult:
    """Plan, push and record one consumer's export for ``feed_date``.

    Returns the :class:`SyncResult` (outcome success, warning, skipped or dry_run). Raises a :class:`SyncError`
    subclass when the run fails (``AuthError``, ``DestinationUnavailable``, ``TooManyRejected``,
    ``EmptyExportError``), with the recorded result on ``exc.result``; the ops.sync_runs row is written either way.
    ``override_volume_guard`` pushes even beyond the consumer's volume bound (logged and recorded; the DAG's
    ``override_volume_guard`` param sets it for the consumers it names). ``on_batch(done, total)`` runs after each
    recorded batch; ``destination`` overrides the one built from consumers.yml (tests, benchmarks).
    """
    spec = consumer(consumer_name)
    if destination is not None and getattr(destination, "consumer", None) is not None:
        spec = destination.consumer  # a destination built with tuned settings (batch sizes, timeouts)
    target = destination or build_destination(spec, run_label=run_id, feed_date=feed_date)
    return engine.run(conn, spec, target, feed_date, run_id=run_id, dry_run=dry_run, on_batch=on_batch,
                      override_volume_guard=override_volume_guard)
