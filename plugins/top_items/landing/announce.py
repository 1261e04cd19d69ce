"""Read what the watcher delivered, record it, and announce each day something new landed for."""

from __future__ import annotations

import logging

from top_items.landing import days, events, notices, record

log = logging.getLogger(__name__)


def batches(asset_events) -> list[list[dict]]:
    """The SQS message batches in the watcher's asset events (a trigger event's payload is in ``extra``)."""
    return [event.extra["payload"]["message_batch"] for event in asset_events
            if event.extra.get("from_trigger") and event.extra.get("payload", {}).get("status") == "success"]


def delivered(triggering, later) -> list:
    """The watcher's events a landing run records: those that triggered it, and every later one. Airflow 3.3 deletes
    a DAG's queued-asset row when it creates the run, by key, so an event that comes while the run is being created
    (after its window closed, before the row is gone) queues no run of its own: it would wait for the next landing.
    Read again here, it is recorded now; recording is idempotent, so an event read twice records nothing twice.
    ``later(after)`` gives the events after an instant."""
    triggering = list(triggering)
    if not triggering:
        return []
    since = max(event.timestamp for event in triggering)
    return triggering + [event for event in later(since) if event.timestamp > since]


STORES = "stores"  # the key of record_delivered's answer that maps a feed date to its stores with a new feed


def record_delivered(conn, asset_events) -> dict:
    """Record the landings the watcher's events announce: per kind, the days something new landed for; under
    ``STORES``, per feed date, the stores whose feed is new."""
    landed = events.from_batches(batches(asset_events))
    new = record.record(conn, landed)
    log.info("%d landings delivered, %d new", len(landed), len(new))
    stores: dict[str, list[str]] = {}
    for landing in new:
        if landing.kind == events.FEED:
            stores.setdefault(landing.day, []).append(landing.store_id)
    return {**{kind: record.days(new, kind) for kind in (events.FEED, events.REFERENCE)}, STORES: stores}


def partitions(outlet, days: list[str]) -> bool:
    """Put one partition key per day on the outlet's event; False when there is none (emit no event)."""
    if days:
        outlet.add_partitions(days)
    return bool(days)


def decided(conn, decisions: list[days.Decision]) -> list[str]:
    """Log and tell the decisions; the days to run (each once, in order)."""
    for decision in decisions:
        log.info("%s", decision.line())
    notices.tell(conn, decisions)
    return sorted({decision.day for decision in decisions if decision.runs})


def ready_after_landings(conn, new: dict, now) -> list[str]:
    """The days this batch of landings makes ready (or re-runs), the others decided and told."""
    return decided(conn, days.after_landings(conn, new[STORES], new[events.REFERENCE], now))


def ready_at_clock(conn, now) -> list[str]:
    """The days the clock's tick makes ready at their cutoff, the missed deadlines told."""
    return decided(conn, days.at_clock(conn, now))
