"""landing: scheduled by the landing bucket's event notifications. The watcher on the landing queue updates
``landing_events`` with each batch of messages it receives; this DAG records every object that landed in
``ops.landings`` once (duplicates and late messages record nothing) and emits ``landed_feeds`` per feed date and
``landed_reference_snapshots`` per snapshot date, partitioned by that day (docs/landing.md).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from top_items.connections import warehouse_connection
from top_items.landing import announce, record
from top_items.landing.events import FEED, REFERENCE
from top_items.landing.watcher import LANDED, LANDING_EVENTS


@task
def record_landings() -> dict[str, list[str]]:
    conn = warehouse_connection()
    record.ensure_table(conn)
    return announce.record_delivered(conn, get_current_context()["triggering_asset_events"][LANDING_EVENTS])


def announce_task(kind: str):
    @task(task_id=f"announce_{kind}", outlets=[LANDED[kind]])
    def announce_kind(new_days: dict[str, list[str]]) -> None:
        if not announce.partitions(get_current_context()["outlet_events"][LANDED[kind]], new_days[kind]):
            raise AirflowSkipException(f"nothing new landed for {kind}")  # a skipped task emits no asset event

    return announce_kind


@dag(schedule=[LANDING_EVENTS], start_date=datetime(2026, 1, 1), catchup=False, max_active_runs=1,
     tags=["top-items", "landing"], doc_md=__doc__)
def landing():
    new_days = record_landings()
    for kind in (FEED, REFERENCE):
        announce_task(kind)(new_days)


landing()
