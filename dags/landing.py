"""landing: scheduled by the landing bucket's event notifications. The watcher on the landing queue updates
``landing_events`` with each batch of messages it receives; this DAG records every object that landed in
``ops.landings`` once (duplicates and late messages record nothing), emits ``landed_feeds`` per feed date and
``landed_reference_snapshots`` per snapshot date, loads each reference snapshot as it lands, and announces on
``ready_feed_dates`` each day that is now ready, or that a late feed re-runs: the pipeline runs on those
(docs/landing.md).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from top_items import settings, tasks
from top_items.connections import warehouse_connection
from top_items.landing import announce, clock, record
from top_items.landing.events import FEED, REFERENCE
from top_items.landing.watcher import LANDED, LANDING_EVENTS, READY


@task(inlets=[LANDING_EVENTS])
def record_landings() -> dict:
    context = get_current_context()
    events = announce.delivered(context["triggering_asset_events"][LANDING_EVENTS],
                                lambda since: context["inlet_events"][LANDING_EVENTS].after(since.isoformat()))
    conn = warehouse_connection()
    record.ensure_table(conn)
    return announce.record_delivered(conn, events)


def announce_task(kind: str):
    @task(task_id=f"announce_{kind}", outlets=[LANDED[kind]])
    def announce_kind(new: dict) -> None:
        if not announce.partitions(get_current_context()["outlet_events"][LANDED[kind]], new[kind]):
            raise AirflowSkipException(f"nothing new landed for {kind}")  # a skipped task emits no asset event

    return announce_kind


@task
def load_reference_snapshots(new: dict) -> dict:
    """Each new snapshot date's reference snapshots, loaded now rather than when the day's last feed lands (a
    snapshot already held is reused, so the pipeline's own load finds it there)."""
    run_id = get_current_context()["run_id"]
    return {day: tasks.load_reference_snapshots(day, run_id) for day in new[REFERENCE]}


# all_done: a snapshot that fails to load is the pipeline's to judge and report, as any other day's
@task(outlets=[READY], trigger_rule="all_done")
def announce_ready_days(new: dict) -> list[str]:
    with warehouse_connection() as conn:
        ready = announce.ready_after_landings(conn, new, clock.now())
    if not announce.partitions(get_current_context()["outlet_events"][READY], ready):
        raise AirflowSkipException("no day became ready")
    return ready


@dag(dag_id=settings.LANDING_DAG_ID, schedule=[LANDING_EVENTS], start_date=datetime(2026, 1, 1), catchup=False,
     max_active_runs=1, tags=["top-items", "landing"], doc_md=__doc__)
def landing():
    new = record_landings()
    for kind in (FEED, REFERENCE):
        announce_task(kind)(new)
    load_reference_snapshots(new) >> announce_ready_days(new)


landing()
