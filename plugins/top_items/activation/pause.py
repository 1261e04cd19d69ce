"""A pause switch per consumer: a paused consumer is still planned every run (ops.sync_runs records the plan, the
summary says paused) but nothing is pushed to it. Its destination keeps what it holds; the ledger keeps saying so,
so the first run after it is resumed pushes exactly the difference.

The switch is the consumer's newest ``pause``/``unpause`` decision (decisions.py), with who and why.
"""

from __future__ import annotations

from top_items.activation import decisions
from top_items.activation.decisions import PAUSE, UNPAUSE, Decision
from top_items.registry import consumer as registered


def current(conn, consumer: str) -> Decision | None:
    """The pause in force for the consumer (who paused it, when and why), or None when it is not paused."""
    found = decisions.latest(conn, consumer, (PAUSE, UNPAUSE))
    return found if found is not None and found.decision == PAUSE else None


def is_paused(consumer: str, *, conn=None) -> bool:
    registered(consumer)
    with decisions.connection(conn) as c:
        return current(c, consumer) is not None


def set_paused(consumer: str, paused: bool, *, by: str, reason: str, conn=None) -> dict:
    """Pause or resume the pushes to one consumer; a switch already in that position records nothing."""
    registered(consumer)
    with decisions.connection(conn) as c:
        was = current(c, consumer)
        if (was is not None) == paused:
            return {"consumer": consumer, "paused": paused, "changed": False,
                    "since": was.describe() if was else None}
        decision_id = decisions.record(c, consumer, PAUSE if paused else UNPAUSE, by=by, reason=reason)
    return {"consumer": consumer, "paused": paused, "changed": True, "decision_id": decision_id}


def describe(pause: Decision) -> str:
    return (f"paused by {pause.decided_by} since {pause.decided_at:%Y-%m-%d %H:%M} UTC ({pause.reason}): "
            "planned, nothing pushed")
