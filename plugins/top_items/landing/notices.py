"""Tell people what the landing side decided when it needs them: a missed deadline pages the on-call and the stores'
feed producer, naming the missing stores; a feed past the late window tells them once that it was not loaded.
Each decision is taken once (``days.py``), so each is told once; a ready day or a re-run tells nobody (the run's
summary says what it did)."""

from __future__ import annotations

import logging

from top_items import audience, lineage, registry
from top_items.alert_routes import ON_CALL_RECIPIENT, deliver
from top_items.alerts import addressed
from top_items.landing.days import MISSED, TOO_LATE, Decision

log = logging.getLogger(__name__)
TOLD = {MISSED: ("critical", "not ready by its deadline, not published"),
        TOO_LATE: ("warning", "a feed landed past the late window, audited and not loaded")}


def alert_of(decision: Decision) -> dict:
    severity, what = TOLD[decision.event]
    return {"summary": f"[top_items] feed date {decision.day}: {what}; {decision.line()}", "severity": severity,
            "event": decision.event, "feed_date": decision.day, "cause": decision.line(),
            "dedup_key": f"landing/{decision.day}/{decision.event}/{','.join(decision.stores[:20])}"}


def tell(conn, decisions: list[Decision]) -> int:
    """Deliver the decisions that need people; how many were delivered to somebody."""
    recipients = [ON_CALL_RECIPIENT, audience.producer(registry.producer_of(lineage.LANDING_FEEDS).name)]
    told = 0
    for decision in decisions:
        if decision.event in TOLD:
            outcome = deliver(addressed(alert_of(decision), recipients), recipients, conn)
            told += any(error is None for error in outcome.values())
            log.warning("%s: told %s", decision.line(),
                        {r.address: error or "delivered" for r, error in outcome.items()})
    return told
