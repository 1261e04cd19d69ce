"""What the landing side decides about a feed date, each decision recorded in ``ops.day_announcements``.

- **ready**: the day is complete, or past its cutoff with enough stores (``readiness.py``): announced once, and the
  pipeline runs it;
- **rerun**: a feed landed after its day was announced, within ``landing_late_window_days`` of the day's end: the
  day runs again (a re-run replaces it, and the diff sync rewrites only what changed);
- **too_late**: the same, past the window: the file is audited in ``ops.landings``, its producer is told once
  (one landing is new once), and nothing loads it;
- **missed_deadline**: the deadline passed and the day is not ready: paged once, naming the missing stores, and
  the day is not published.

Decided after each batch of landings and at the clock's ticks (the cutoff and the deadline). Only the warehouse is
read: nothing here lists S3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from top_items import rules
from top_items.landing.readiness import readiness

READY, RERUN, TOO_LATE, MISSED = "ready", "rerun", "too_late", "missed_deadline"
RUNS = (READY, RERUN)  # the decisions that start a run of the day

INSERT = """
insert into ops.day_announcements (day, event, reason, expected, landed, stores)
values (%s, %s, %s, %s, %s, %s)
on conflict do nothing
returning day
"""


@dataclass(frozen=True)
class Decision:
    day: str
    event: str  # READY, RERUN, TOO_LATE or MISSED
    reason: str  # why: complete, cutoff, a late feed, the deadline
    expected: int
    landed: int
    stores: list[str] = field(default_factory=list)  # missing (READY, MISSED) or late (RERUN, TOO_LATE)

    @property
    def runs(self) -> bool:
        return self.event in RUNS

    def line(self) -> str:
        named = f": {', '.join(self.stores[:10])}{' ...' if len(self.stores) > 10 else ''}" if self.stores else ""
        what = "missing" if self.event in (READY, MISSED) else "late"
        return (f"{self.day} {self.event} ({self.reason}), {self.landed} of {self.expected} stores landed"
                + (f"; {len(self.stores)} {what}{named}" if self.stores else ""))


def day_end(day: str) -> datetime:
    from datetime import UTC

    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time(), UTC)


def _recorded(conn, decision: Decision) -> bool:
    """Record the decision; False when it was taken already (a day is ready, or misses its deadline, once)."""
    return conn.execute(INSERT, (decision.day, decision.event, decision.reason, decision.expected, decision.landed,
                                 decision.stores)).fetchone() is not None


def announced(conn, day: str) -> bool:
    return conn.execute("select exists (select from ops.day_announcements where day = %s and event = %s)",
                        (day, READY)).fetchone()[0]


def _judged(conn, day: str, now: datetime, *, deadline: bool) -> Decision | None:
    """The day's ready decision at ``now`` (or, with ``deadline``, its missed deadline), if due and not yet taken."""
    found = readiness(conn, day, now)
    if found.ready:
        decision = Decision(day, READY, found.state, found.expected, found.landed, found.missing)
    elif deadline and found.state == "late":
        decision = Decision(day, MISSED, "the deadline passed", found.expected, found.landed, found.missing)
    else:
        return None
    return decision if _recorded(conn, decision) else None


def after_landings(conn, feeds: dict[str, list[str]], references: list[str], now: datetime) -> list[Decision]:
    """Decide on each day something new landed for: ``feeds`` maps a day to the stores whose feed is new."""
    window = timedelta(days=rules.variables()["landing_late_window_days"])
    decisions = []
    with conn.transaction():
        for day in sorted(set(feeds) | set(references)):
            if not announced(conn, day):  # a landing makes a day ready; only the clock pages a deadline
                decisions.append(_judged(conn, day, now, deadline=False))
            elif late := sorted(store for store in feeds.get(day, []) if store):
                found = readiness(conn, day, now)
                event = RERUN if now <= day_end(day) + window else TOO_LATE
                decision = Decision(day, event, "a feed landed after the day was announced", found.expected,
                                    found.landed, late)
                decisions.append(decision if _recorded(conn, decision) else None)
    return [decision for decision in decisions if decision]


def due(now: datetime) -> list[str]:
    """The days whose cutoff has passed and whose deadline passed less than a day ago: the clock's days."""
    policy = rules.variables()
    newest = (now - timedelta(hours=policy["landing_cutoff_hours"])).date() - timedelta(days=1)
    oldest = (now - timedelta(hours=policy["landing_deadline_hours"] + 24)).date()
    return [(oldest + timedelta(days=n)).isoformat() for n in range((newest - oldest).days + 1)]


def at_clock(conn, now: datetime) -> list[Decision]:
    """Decide on the clock's days not yet announced: ready at the cutoff, or past the deadline and missed."""
    with conn.transaction():
        decisions = [_judged(conn, day, now, deadline=True) for day in due(now) if not announced(conn, day)]
    return [decision for decision in decisions if decision]
