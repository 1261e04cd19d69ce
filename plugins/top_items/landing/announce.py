"""Read what the watcher delivered, record it, and announce each day something new landed for."""

from __future__ import annotations

import logging

from top_items.landing import events, record

log = logging.getLogger(__name__)


def batches(asset_events) -> list[list[dict]]:
    """The SQS message batches in the watcher's asset events (a trigger event's payload is in ``extra``)."""
    return [event.extra["payload"]["message_batch"] for event in asset_events
            if event.extra.get("from_trigger") and event.extra.get("payload", {}).get("status") == "success"]


def record_delivered(conn, asset_events) -> dict[str, list[str]]:
    """Record the landings the watcher's events announce; per kind, the days something new landed for."""
    landed = events.from_batches(batches(asset_events))
    new = record.record(conn, landed)
    log.info("%d landings delivered, %d new", len(landed), len(new))
    return {kind: record.days(new, kind) for kind in (events.FEED, events.REFERENCE)}


def partitions(outlet, days: list[str]) -> bool:
    """Put one partition key per day on the outlet's event; False when there is none (emit no event)."""
    if days:
        outlet.add_partitions(days)
    return bool(days)
