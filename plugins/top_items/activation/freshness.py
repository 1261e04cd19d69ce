"""Each consumer's freshness promise (``fresh_by`` in consumers.yml), judged at each instant it falls due.

A promise is daily (``"06:00"``: feed date D has been pushed by D+1 06:00 UTC) or weekly (``"monday 07:00"``:
every Monday at 07:00, the Sunday before has been pushed). At each due instant the landing clock judges it once
(``ops.freshness``): kept when a push of that day, or a later one, had succeeded by then. A miss pages the
consumer's owner once, naming the missing step: the day not ready (and its missing stores), its push failed or
blocked, or not reached yet. It pages even when nothing landed and no run exists. When the owner has already
heard of that day's incident (a failed or blocked push alerted them), the miss is recorded against it and not
paged again. The push that later succeeds notes the recovery to the owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from top_items import audience
from top_items.activation.ledger import SUCCESSFUL
from top_items.activation.promises import Promise, promises
from top_items.alert_routes import deliver, told_about
from top_items.alerts import FAILURE, addressed

log = logging.getLogger(__name__)
MISSED, RECOVERED = "freshness_missed", "freshness_recovered"
INCIDENTS = (FAILURE,)  # the alerts about a day that already told the owner something is wrong (a blocked push fails)


def _pushed_by(conn, consumer: str, day: str, due: datetime) -> bool:
    return conn.execute("select exists (select from ops.sync_runs where consumer = %s and mode = 'push' "
                        "and feed_date >= %s and outcome = any(%s) and finished_at <= %s)",
                        (consumer, day, list(SUCCESSFUL), due)).fetchone()[0]


def missing_step(conn, consumer: str, day: str, due: datetime) -> str:
    """What stands between the day and the consumer: the day's readiness, else its push."""
    from top_items.landing.days import announced
    from top_items.landing.readiness import readiness

    if not announced(conn, day):
        found = readiness(conn, day, due)
        return (f"feed date {day} is not ready ({found.state}): {found.landed} of {found.expected} stores landed"
                + (f"; missing {', '.join(found.missing[:10])}{' ...' if len(found.missing) > 10 else ''}"
                   if found.missing else ""))
    row = conn.execute("select outcome, detail from ops.sync_runs where consumer = %s and feed_date = %s "
                       "and mode = 'push' order by sync_run_id desc limit 1", (consumer, day)).fetchone()
    if row is None:
        return f"feed date {day} is ready, but its run has not pushed to {consumer} yet"
    return f"the push of {day} to {consumer} is {row[0]}" + (f": {row[1]}" if row[1] else "")


def _page(conn, promise: Promise, day: str, due: datetime, detail: str) -> str | None:
    """Page the owner of a missed promise; the key of the alert it was recorded against instead, if any."""
    owner = audience.owner(promise.consumer)
    if owner is None:
        log.error("%s missed its promise (%s) and has no owner to page: %s", promise.consumer, promise.text(), detail)
        return None
    earlier = told_about(conn, owner, day, INCIDENTS)
    if earlier:
        log.info("%s missed its promise for %s; its owner already heard of the incident (%s)", promise.consumer,
                 day, earlier)
        return earlier
    key = f"freshness/{promise.consumer}/{day}"
    alert = {"summary": f"[top_items] {promise.consumer} is not fresh: feed date {day} was due {promise.text()} "
                        f"({due:%Y-%m-%d %H:%M} UTC); {detail}"[:300],
             "severity": "critical", "event": MISSED, "feed_date": day, "cause": detail, "dedup_key": key}
    deliver(addressed(alert, [owner]), [owner], conn)
    return key


def _in_service(conn, day: str) -> bool:
    """Whether the product had a store master in force on ``day``: a promise counts from then, not for the days
    before an installation's first landing."""
    return conn.execute("select to_regclass('raw.snapshots') is not null and exists (select from raw.snapshots "
                        "where table_name = 'stores' and snapshot_date <= %s)", (day,)).fetchone()[0]


def judge(conn, now: datetime, to_wall: Callable[[datetime], datetime] = lambda instant: instant) -> list[dict]:
    """Judge every promise at its latest due instant, once each; the verdicts this call recorded. ``to_wall`` maps
    an instant of the clock ``now`` was read from onto the wall clock that stamped the pushes (clock.to_wall)."""
    verdicts = []
    for promise in promises():
        due = promise.last_due(now)
        day = promise.day(due)
        if conn.execute("select exists (select from ops.freshness where consumer = %s and due_at = %s)",
                        (promise.consumer, due)).fetchone()[0] or not _in_service(conn, day):
            continue
        kept = _pushed_by(conn, promise.consumer, day, to_wall(due))
        detail = None if kept else missing_step(conn, promise.consumer, day, due)
        inserted = conn.execute(
            "insert into ops.freshness (consumer, due_at, day, kept, detail) values (%s, %s, %s, %s, %s) "
            "on conflict do nothing returning consumer", (promise.consumer, due, day, kept, detail)).fetchone()
        if inserted is None:
            continue  # another tick judged it meanwhile
        paged_as = None if kept else _page(conn, promise, day, due, detail)
        if paged_as:
            conn.execute("update ops.freshness set paged_as = %s where consumer = %s and due_at = %s",
                         (paged_as, promise.consumer, due))
        verdicts.append({"consumer": promise.consumer, "day": day, "due_at": due.isoformat(), "kept": kept,
                         "detail": detail, "paged_as": paged_as})
        log.info("%s %s its promise (%s) for %s%s", promise.consumer, "kept" if kept else "MISSED", promise.text(),
                 day, f": {detail}" if detail else "")
    return verdicts


def note_recovery(conn, consumer: str, feed_date: str) -> int:
    """After a successful push of ``feed_date``: close the consumer's missed promises of that day or older, and
    tell the owner once. How many it closed."""
    if conn.execute("select to_regclass('ops.freshness')").fetchone()[0] is None:
        return 0
    closed = conn.execute("update ops.freshness set recovered_at = now() where consumer = %s and day <= %s "
                          "and not kept and recovered_at is null returning day, due_at",
                          (consumer, feed_date)).fetchall()
    owner = audience.owner(consumer)
    if closed and owner is not None:
        days = ", ".join(sorted({str(day) for day, _ in closed}))
        alert = {"summary": f"[top_items] {consumer} is fresh again: feed date {feed_date} pushed (it missed its "
                            f"promise for {days})", "severity": "info", "event": RECOVERED, "feed_date": feed_date,
                 "dedup_key": f"freshness/{consumer}/{feed_date}/recovered"}
        deliver(addressed(alert, [owner]), [owner], conn)
    return len(closed)


def last_verdicts(conn) -> dict[str, dict]:
    """Each consumer's newest verdict: what the summary and readiness show beside its promise."""
    if conn.execute("select to_regclass('ops.freshness')").fetchone()[0] is None:
        return {}
    rows = conn.execute("select distinct on (consumer) consumer, day::text, due_at, kept, detail, recovered_at "
                        "from ops.freshness order by consumer, due_at desc").fetchall()
    return {row[0]: dict(zip(("consumer", "day", "due_at", "kept", "detail", "recovered_at"), row, strict=True))
            for row in rows}
