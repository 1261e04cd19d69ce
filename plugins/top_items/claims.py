"""One run per feed date at a time: a claim on the day in ``ops.day_claims``, held from setup to the summary.

Runs of different days claim different rows and never wait for each other. A second run of a day that is
already running waits for the first to finish (a lock, not a retry), then does the whole day again on its own.
A claim whose run is no longer running (killed, marked failed, deleted) is taken over, so a crash never
needs a person to free the day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

RUNNING_STATES = frozenset({"queued", "running"})


@dataclass(frozen=True)
class Claim:
    feed_date: str
    dag_id: str
    run_id: str


class ClaimTimeout(Exception):
    pass


def claim(conn, wanted: Claim, *, run_state: Callable[[str, str], str | None], poll_seconds: float = 2.0,
          timeout_seconds: float = 6 * 3600) -> float:
    """Hold the day for ``wanted``'s run, waiting while another live run holds it; returns the seconds waited.

    ``run_state(dag_id, run_id)`` is the holder's Airflow state (None when the run does not exist).
    """
    started = time.monotonic()
    last_holder = None
    while True:
        holder = _take(conn, wanted)
        if holder == wanted:
            waited = time.monotonic() - started
            log.info("claimed %s for run %s%s", wanted.feed_date, wanted.run_id,
                     f" after waiting {waited:.1f}s" if waited > poll_seconds else "")
            return waited
        state = run_state(holder.dag_id, holder.run_id)
        if state not in RUNNING_STATES:
            log.warning("run %s held %s but is %s: taking the day over", holder.run_id, holder.feed_date,
                        state or "gone")
            release(conn, holder.feed_date, holder.run_id)
            continue
        if holder != last_holder:
            log.info("feed date %s is held by run %s (%s): waiting for it to finish", wanted.feed_date,
                     holder.run_id, state)
            last_holder = holder
        if time.monotonic() - started > timeout_seconds:
            raise ClaimTimeout(f"feed date {wanted.feed_date} still held by run {holder.run_id} after "
                               f"{timeout_seconds:.0f}s")
        time.sleep(poll_seconds)


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
