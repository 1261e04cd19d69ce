"""landing_clock: the landing side's only clocks, at the cutoff and at the deadline (include/sql/vars.yml). At each
tick it judges the days whose cutoff has passed and that are not yet ready: enough stores, and the day is announced
on ``ready_feed_dates`` (the pipeline runs it, the missing stores named in its summary); past the deadline with too
few, the on-call and the feed producer are paged once, naming the missing stores, and the day is not published.
It reads the warehouse only, never S3 (docs/landing.md).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import MultipleCronTriggerTimetable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from top_items.connections import warehouse_connection
from top_items.landing import announce, clock, record
from top_items.landing.watcher import READY


@task(outlets=[READY])
def judge_due_days() -> list[str]:
    with warehouse_connection() as conn:
        record.ensure_table(conn)
        ready = announce.ready_at_clock(conn, clock.now())
    if not announce.partitions(get_current_context()["outlet_events"][READY], ready):
        raise AirflowSkipException("no day became ready at this tick")
    return ready


@dag(schedule=MultipleCronTriggerTimetable(*clock.ticks(), timezone="UTC"), start_date=datetime(2026, 1, 1),
     catchup=False, max_active_runs=1, tags=["top-items", "landing"], doc_md=__doc__)
def landing_clock():
    judge_due_days()


landing_clock()
