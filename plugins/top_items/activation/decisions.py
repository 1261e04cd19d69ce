"""The one place that knows ``ops.consumer_decisions``: what a person decided about a consumer, who, and why.

Approving, rejecting (or letting time out) a blocked push (approval.py), taking a bad day back (takeback.py) and
pausing or resuming the pushes (pause.py) each add one row; nothing updates or deletes one. A decision without a
reason is refused here and by the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from top_items.activation.errors import DecisionRefused

APPROVE, REJECT, TIMEOUT, TAKE_BACK, PAUSE, UNPAUSE = "approve", "reject", "timeout", "take_back", "pause", "unpause"
DECISIONS = (APPROVE, REJECT, TIMEOUT, TAKE_BACK, PAUSE, UNPAUSE)
COLUMNS = ("decision_id", "consumer", "decision", "feed_date", "restored_date", "run_id", "sync_run_id",
           "decided_by", "reason", "decided_at")


def connection(conn=None):
    """``conn`` as is, or a new warehouse connection (closed after the block): the CLI and the UI hand in none."""
    from contextlib import nullcontext

    from top_items.connections import warehouse_connection

    return nullcontext(conn) if conn is not None else warehouse_connection()


@dataclass(frozen=True)
class Decision:
    decision_id: int
    consumer: str
    decision: str
    feed_date: date | None
    restored_date: date | None
    run_id: str | None
    sync_run_id: int | None
    decided_by: str | None
    reason: str
    decided_at: datetime

    def describe(self) -> str:
        who = f"by {self.decided_by}" if self.decided_by else "by nobody"
        return f"{self.decision} {who} at {self.decided_at:%Y-%m-%d %H:%M} UTC: {self.reason}"


def record(conn, consumer: str, decision: str, *, by: str | None, reason: str, feed_date: str | None = None,
           restored_date: str | None = None, run_id: str | None = None, sync_run_id: int | None = None) -> int:
    """Add one decision; returns its id."""
    if decision not in DECISIONS:
        raise DecisionRefused(f"unknown decision {decision!r}: one of {DECISIONS}")
    if not (reason or "").strip():
        raise DecisionRefused(f"{decision} of {consumer}: a reason is required")
    if decision != TIMEOUT and not (by or "").strip():
        raise DecisionRefused(f"{decision} of {consumer}: who decides is required")
    return conn.execute(
        "insert into ops.consumer_decisions (consumer, decision, feed_date, restored_date, run_id, sync_run_id, "
        "decided_by, reason) values (%s, %s, %s, %s, %s, %s, %s, %s) returning decision_id",
        (consumer, decision, feed_date, restored_date, run_id, sync_run_id, by, reason.strip())).fetchone()[0]


def link_sync_run(conn, decision_id: int, sync_run_id: int | None) -> None:
    """The sync run a decision led to, once it has one (the decision is recorded before its push starts)."""
    conn.execute("update ops.consumer_decisions set sync_run_id = %s where decision_id = %s",
                 (sync_run_id, decision_id))


def _select(conn, where: str, params: tuple, *, limit: int | None = None) -> list[Decision]:
    query = (f"select {', '.join(COLUMNS)} from ops.consumer_decisions where {where} order by decision_id desc"
             + (f" limit {int(limit)}" if limit else ""))
    return [Decision(*row) for row in conn.execute(query, params).fetchall()]


def latest(conn, consumer: str, kinds: tuple[str, ...]) -> Decision | None:
    """The consumer's newest decision of one of these kinds."""
    found = _select(conn, "consumer = %s and decision = any(%s)", (consumer, list(kinds)), limit=1)
    return found[0] if found else None


def of_run(conn, run_id: str) -> list[Decision]:
    """Every decision taken in or for one Airflow run, newest first."""
    return _select(conn, "run_id = %s", (run_id,))


def of_day(conn, feed_date: str) -> list[Decision]:
    """Every decision about one feed date, newest first."""
    return _select(conn, "feed_date = %s or restored_date = %s", (feed_date, feed_date))


def taken_back(conn, consumer: str) -> dict[date, datetime]:
    """The days taken back from the consumer, with when they last were."""
    return dict(conn.execute("select feed_date, max(decided_at) from ops.consumer_decisions where consumer = %s "
                             "and decision = %s group by feed_date", (consumer, TAKE_BACK)).fetchall())


def recent(conn, consumer: str | None = None, limit: int = 50) -> list[Decision]:
    if consumer:
        return _select(conn, "consumer = %s", (consumer,), limit=limit)
    return _select(conn, "true", (), limit=limit)
