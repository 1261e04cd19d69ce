"""One ``ops.sync_runs`` row per push to a consumer, whatever the destination, written even when it fails."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

COUNTERS = ("planned_adds", "planned_changes", "planned_removes", "succeeded_adds", "succeeded_changes",
            "succeeded_removes", "failed_adds", "failed_changes", "failed_removes", "records_pushed", "api_calls")


@dataclass
class SyncRun:
    consumer: str
    destination: str
    feed_date: str
    run_id: str | None
    mode: str = "push"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    location: str | None = None
    outcome: str = "running"
    detail: str | None = None
    sync_run_id: int | None = None
    rejected_rows: int = 0


@contextlib.contextmanager
def recorded(conn, consumer: str, destination: str, feed_date: str, run_id: str | None, mode: str = "push"):
    run = SyncRun(consumer, destination, feed_date, run_id, mode)
    run.sync_run_id = sync_run_id = conn.execute(
        "insert into ops.sync_runs (run_id, consumer, destination, feed_date, mode, outcome) "
        "values (%s, %s, %s, %s, %s, 'running') returning sync_run_id",
        (run_id, consumer, destination, feed_date, mode)).fetchone()[0]
    try:
        yield run
    except BaseException as exc:
        run.outcome = "blocked" if run.outcome == "blocked" else "failed"
        run.detail = run.detail or f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        if run.outcome == "running":
            run.outcome = "success"
        assignments = ", ".join(f"{name} = %({name})s" for name in COUNTERS)
        conn.execute(f"update ops.sync_runs set {assignments}, location = %(location)s, outcome = %(outcome)s, "
                     "detail = %(detail)s, rejected_rows = %(rejected)s, finished_at = now(), "
                     "duration_s = extract(epoch from clock_timestamp() - started_at) where sync_run_id = %(id)s",
                     {**run.counts, "location": run.location, "outcome": run.outcome, "detail": run.detail,
                      "rejected": run.rejected_rows, "id": sync_run_id})
        log.info("sync %s -> %s for %s: %s %s", consumer, destination, feed_date, run.outcome,
                 {k: v for k, v in run.counts.items() if v})
