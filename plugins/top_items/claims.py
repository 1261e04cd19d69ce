"""One run per feed date at a time: a claim on the day in ``ops.day_claims``, held from setup to the summary.

Runs of different days claim different rows. A second run of a day that is already running waits for the first
to finish (a lock, not a retry), then does the whole day again on its own. A claim whose run is no longer
running (killed, marked failed, deleted) is taken over, so a crash never needs a person to free the day.

Days are judged against the days before them (a replayed feed, rows vs their normal), so the raw phase
(load and raw gate) of a day waits while an earlier day in flight has not finished its own: a backfill loads
its days in date order while the later steps of each day (models, gates, pushes) overlap. Only earlier days
block later ones, so runs never wait on each other in a circle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

log = logging.getLogger(__name__)

RUNNING_STATES = frozenset({"queued", "running"})


@dataclass(frozen=True)
class Claim:
    feed_date: str
    dag_id: str
    run_id: str


def poke(conn, wanted: Claim, *, run_state: Callable[[str, str], str | None],
         active_runs: Callable[[list[date]], int], window_days: int = 31,
         unclaimed_grace_seconds: float = 120) -> str | None:
    """One look, as a sensor pokes: hold the day if it is free, and say whether the run may load now.

    Returns None when it may, else what it waits for. ``run_state(dag_id, run_id)`` is a run's Airflow state
    (None: no such run); ``active_runs(logical_dates)`` counts this DAG's queued or running runs on those dates,
    so runs of earlier days that have not claimed yet (a backfill starts its runs together) are waited for too,
    for ``unclaimed_grace_seconds`` at most: a run whose feed date is not its logical date is never waited on.
    """
    holder = _take(conn, wanted)
    if holder != wanted:
        if run_state(holder.dag_id, holder.run_id) in RUNNING_STATES:
            return f"feed date {wanted.feed_date} is held by run {holder.run_id}"
        log.warning("run %s held %s but no longer runs: taking the day over", holder.run_id, holder.feed_date)
        release(conn, holder.feed_date, holder.run_id)
        return poke(conn, wanted, run_state=run_state, active_runs=active_runs, window_days=window_days,
                    unclaimed_grace_seconds=unclaimed_grace_seconds)
    loading = []
    for other in (Claim(*row) for row in conn.execute(
            "select feed_date::text, dag_id, run_id from ops.day_claims "
            "where feed_date < %s and not raw_done order by feed_date", (wanted.feed_date,))):
        if run_state(other.dag_id, other.run_id) in RUNNING_STATES:
            loading.append(f"{other.feed_date} ({other.run_id})")
        else:
            log.warning("run %s held %s but no longer runs: its claim is released", other.run_id, other.feed_date)
            release(conn, other.feed_date, other.run_id)
    if loading:
        return f"earlier days are still loading: {', '.join(loading)}"
    claimed = {day for (day,) in conn.execute("select feed_date from ops.day_claims where feed_date < %s",
                                              (wanted.feed_date,))}
    day = date.fromisoformat(wanted.feed_date)
    unclaimed = [day - timedelta(days=n) for n in range(1, window_days + 1) if day - timedelta(days=n) not in claimed]
    held_for = conn.execute("select extract(epoch from now() - claimed_at) from ops.day_claims "
                            "where feed_date = %s", (wanted.feed_date,)).fetchone()[0]
    if float(held_for) < unclaimed_grace_seconds and active_runs(unclaimed):
        return "runs of earlier days have not started loading yet"
    return None


def raw_phase_done(conn, feed_date: str, run_id: str) -> None:
    """The day's feeds passed the raw gate: later days may be judged against it."""
    conn.execute("update ops.day_claims set raw_done = true where feed_date = %s and run_id = %s",
                 (feed_date, run_id))


def _take(conn, wanted: Claim) -> Claim:
    """Claim the day if it is free; return whoever holds it now."""
    row = conn.execute("""
        with taken as (
            insert into ops.day_claims (feed_date, dag_id, run_id) values (%s, %s, %s)
            on conflict (feed_date) do nothing
            returning feed_date, dag_id, run_id
        )
        select feed_date::text, dag_id, run_id from taken
        union all
        select feed_date::text, dag_id, run_id from ops.day_claims where feed_date = %s
        limit 1""", (wanted.feed_date, wanted.dag_id, wanted.run_id, wanted.feed_date)).fetchone()
    return Claim(*row) if row else _take(conn, wanted)  # released between the insert and the read: try again


def release(conn, feed_date: str, run_id: str) -> bool:
    """Give the day back (only the holder's own claim is removed); True when it was held."""
    return conn.execute("delete from ops.day_claims where feed_date = %s and run_id = %s",
                        (feed_date, run_id)).rowcount > 0
