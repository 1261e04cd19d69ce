"""The event-driven control plane's latency, under Airflow's own scheduler, dag-processor, triggerer and API server:
a simulated day lands whole (every file, as fast as the bench can put them), it is complete, and the pipeline runs.

- **last landing -> every consumer pushed**: from the last object's put to the end of the last push task, split
  into task time (when at least one task of the landing or pipeline runs was running) and Airflow's scheduling
  latency (the rest: the watcher's poll, run creation, queueing, task start-up between tasks);
- **the watcher's delay**: from the last object's put to the asset event whose batch carries it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sandbox.simulate.arrival import arrive
from sandbox.simulate.catalog import WorldSpec
from sandbox.world import airflow_services
from top_items import settings
from top_items.landing import clock, days
from top_items.landing.watcher import LANDING_EVENTS

log = logging.getLogger(__name__)

FEED_DATE = "2026-11-27"
DAGS = (settings.PIPELINE_DAG_ID, settings.LANDING_DAG_ID, settings.LANDING_CLOCK_DAG_ID)
TIMEOUT = 3600


def busy_seconds(intervals: list[tuple[datetime, datetime]], since: datetime, until: datetime) -> float:
    """Seconds within [since, until] covered by at least one of the intervals."""
    covered, reach = 0.0, since
    for start, end in sorted((max(s, since), min(e, until)) for s, e in intervals):
        if end <= max(start, reach):
            continue
        covered += (end - max(start, reach)).total_seconds()
        reach = end
    return covered


def split(last_landed: datetime, pushed: datetime, tasks: list[tuple[datetime, datetime]]) -> dict:
    total = (pushed - last_landed).total_seconds()
    working = busy_seconds(tasks, last_landed, pushed)
    return {"total_seconds": round(total, 1), "task_seconds": round(working, 1),
            "scheduling_seconds": round(total - working, 1)}


def day_latency(world, conn, s3, home: Path, *, stores: int, skus: int, days_of_history: int) -> dict:
    from sandbox.bench.day import reset

    log.info("bench: landing to pushed at %d stores, under the scheduler and the triggerer", stores)
    reset(world, conn, notifications=True)  # the watcher reads each landing
    spec = WorldSpec(stores=stores, skus=skus, days=days_of_history, markets=8, bad_row_rate=0.001)
    with airflow_services.running(world, home, DAGS, database="airflow_bench", parallelism=4,
                                  triggerer=True) as services:
        # The evening after the day: before its cutoff, so only completeness can start it.
        services.airflow("variables", "set", settings.LANDING_CLOCK_VARIABLE,
                         clock.setting(days.day_end(FEED_DATE) + timedelta(hours=1)))
        services.wait_for_watcher()
        landing_started = time.monotonic()
        arrival = arrive(s3, spec, date.fromisoformat(FEED_DATE), over_seconds=0, stragglers=0)
        last_landed = datetime.now(UTC)
        landing_seconds = round(time.monotonic() - landing_started, 1)
        [run] = services.wait_for_runs(settings.PIPELINE_DAG_ID, 1, TIMEOUT)
        pipeline = services.task_instances(settings.PIPELINE_DAG_ID)
        landing = services.task_instances(settings.LANDING_DAG_ID)
        pushed = max(end for _, task, _, _, _, end in pipeline if task.startswith("push_") and end)
        tasks = [(start, end) for *_, start, end in pipeline + landing if start and end]
        # S3 URL-encodes keys in its notifications: look for the part of the last key that needs no encoding
        last = settings.feed_store_id(FEED_DATE, arrival.landed[-1])
        seen = services.query("select min(e.timestamp) from asset_event e join asset a on a.id = e.asset_id "
                              "where a.name = %s and e.extra::text like %s", (LANDING_EVENTS.name,
                                                                               f"%{last}.csv%"))[0][0]
        events = services.query("select count(*) from asset_event e join asset a on a.id = e.asset_id "
                                "where a.name = %s", (LANDING_EVENTS.name,))[0][0]
        landing_runs = len(services.runs(settings.LANDING_DAG_ID))
    slowest = sorted(((end - start).total_seconds(), task) for _, task, _, _, start, end in pipeline
                     if start and end and end > last_landed)[-5:]
    return {"stores": stores, "objects": len(arrival.landed), "putting_seconds": landing_seconds,
            "pipeline_state": run.state, "run_id": run.run_id, **split(last_landed, pushed, tasks),
            "watcher_delay_seconds": round((seen - last_landed).total_seconds(), 1) if seen else None,
            "watcher_events": events, "landing_runs": landing_runs,
            "slowest_tasks": {task: round(seconds, 1) for seconds, task in reversed(slowest)}}
