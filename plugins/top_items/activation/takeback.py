"""Take a bad day back: publish a consumer's last good day to it again, through the ordinary diff sync (only what
changed is written; the retailer app's ``latest.json`` moves back to that day), recorded with who and why.

The day taken back is the newest feed date pushed to the consumer (ledger.newest_pushed_feed_date). Its last good
day is the newest older feed date a push succeeded for (ops.sync_runs) that was not itself taken back since, and
whose export is still published. Once taken back, a day is never a last good day again until a later push of it
succeeds; taking back twice publishes the same good day twice (the second writes nothing). A paused consumer is
left alone.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from psycopg import sql

from top_items.activation import decisions, ledger, pause
from top_items.activation.decisions import TAKE_BACK
from top_items.activation.errors import DecisionRefused, NothingToTakeBack
from top_items.registry import consumer as registered
from top_items.registry import consumers

log = logging.getLogger(__name__)

RUN_PREFIX = "take_back__"  # ops.sync_runs.run_id of a take-back's pushes: RUN_PREFIX + when it was asked


def _published(conn, name: str, day: date) -> bool:
    schema, table = registered(name).export.split(".")
    return conn.execute(sql.SQL("select exists (select from {} where feed_date = %s)").format(
        sql.Identifier(schema, table)), (day,)).fetchone()[0]


def days(conn, name: str) -> tuple[date, date]:
    """(the day to take back, the last good day to publish instead) for one consumer."""
    bad = ledger.newest_pushed_feed_date(conn, name)
    if bad is None:
        raise NothingToTakeBack(f"{name} was never pushed: nothing to take back")
    gone = decisions.taken_back(conn, name)
    good = sorted((day for day, pushed in ledger.pushed_days(conn, name).items()
                   if day < bad and not (day in gone and gone[day] >= pushed)), reverse=True)
    for day in good:
        if _published(conn, name, day):
            return bad, day
    raise NothingToTakeBack(f"{name}: no good day older than {bad} is still published in {registered(name).export}")


def take_back(consumer: str | None, *, by: str, reason: str, conn=None) -> dict[str, dict]:
    """Take the newest day back from one consumer (``None``: from every consumer); returns, per consumer, what
    happened: ``outcome`` (the sync run's, or ``paused`` / ``nothing``), ``taken_back``, ``restored``,
    ``sync_run_id``, ``planned``, ``records_pushed`` and ``detail``.

    Refuses (``DecisionRefused``) without ``by`` or ``reason``. A consumer whose push fails is reported with
    outcome ``failed`` and the error; the others still go ahead.
    """
    from top_items.activation.engine import sync_consumer

    if not (by or "").strip() or not (reason or "").strip():
        raise DecisionRefused("a take-back needs who asks for it (--by) and why (--reason)")
    names = [registered(consumer).name] if consumer else list(consumers())
    run_id = RUN_PREFIX + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, dict] = {}
    with decisions.connection(conn) as c:
        for name in names:
            paused = pause.current(c, name)
            if paused is not None:
                results[name] = {"outcome": "paused", "detail": f"not taken back: {pause.describe(paused)}"}
                continue
            try:
                bad, good = days(c, name)
            except NothingToTakeBack as exc:
                results[name] = {"outcome": "nothing", "detail": str(exc)}
                continue
            decision_id = decisions.record(c, name, TAKE_BACK, by=by, reason=reason, feed_date=bad.isoformat(),
                                           restored_date=good.isoformat(), run_id=run_id)
            asked = f"take-back of {bad} to {good} by {by}: {reason.strip()}"
            found = {"taken_back": bad.isoformat(), "restored": good.isoformat(), "decision_id": decision_id}
            try:
                run = sync_consumer(c, name, good.isoformat(), run_id=run_id, asked_by=asked, roll_back=True)
            except Exception as exc:  # noqa: BLE001  one consumer's failure must not stop the others' take-back
                log.exception("%s: take-back to %s failed", name, good)
                results[name] = {**found, "outcome": "failed", "detail": f"{type(exc).__name__}: {exc}"}
                continue
            decisions.link_sync_run(c, decision_id, run.sync_run_id)
            results[name] = {**found, "outcome": run.outcome, "sync_run_id": run.sync_run_id, "planned": run.planned,
                             "records_pushed": run.records_pushed, "detail": run.detail}
            log.info("%s: took %s back to %s (%s, sync run %s)", name, bad, good, run.outcome, run.sync_run_id)
    return results
