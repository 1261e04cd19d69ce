"""landing_clock: the landing side's only clocks: the cutoff and the deadline (include/sql/vars.yml), and each
consumer's freshness promise (consumers.yml). At each tick it judges the days whose cutoff has passed and that are
not yet ready: enough stores, and the day is announced on ``ready_feed_dates`` (the pipeline runs it, the missing
stores named in its summary); past the deadline with too few, the on-call and the feed producer are paged once,
naming the missing stores, and the day is not published. It also judges every promise that has fallen due: a miss
pages the consumer's owner once, even when nothing landed and no run exists. It reads the warehouse only, never
S3 (docs/landing.md, docs/freshness.md).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import MultipleCronTriggerTimetable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from top_items import settings
from top_items.activation import freshness
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


@task
def judge_freshness() -> list[dict]:
    with warehouse_connection() as conn:
        record.ensure_table(conn)
        return freshness.judge(conn, clock.now(), clock.to_wall)


@dag(dag_id=settings.LANDING_CLOCK_DAG_ID, schedule=MultipleCronTriggerTimetable(*clock.ticks(), timezone="UTC"),
     start_date=datetime(2026, 1, 1), catchup=False, max_active_runs=1, tags=["top-items", "landing"], doc_md=__doc__)
def landing_clock():
    judge_due_days()
    judge_freshness()


landing_clock()
