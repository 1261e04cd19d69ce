"""top_items_pipeline: the single control plane. Ingest -> transform -> publish, each on the previous step's success.

Read it as a table of contents; every task calls the ``top_items`` package (plugins/top_items/tasks.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, TaskGroup, dag, get_current_context, task

from top_items import assets, tasks
from top_items.transform.models import discover


def _run_id() -> str:
    return get_current_context()["run_id"]


@task
def resolve_feed_date() -> str:
    context = get_current_context()
    return tasks.resolve_feed_date(context["params"].get("feed_date"), context.get("logical_date"))


@task(outlets=assets.RAW_REFERENCE)
def load_reference_snapshots(feed_date: str) -> dict:
    return tasks.load_reference_snapshots(feed_date, _run_id())


@task(outlets=assets.RAW_FEED)
def ingest_inventory_feeds(feed_date: str) -> dict:
    return tasks.ingest_inventory_feeds(feed_date, _run_id())


@task
def build_model(model: str, feed_date: str) -> int:
    return tasks.build_model(model, feed_date, _run_id())


@task(outlets=[assets.RETAILER_APP])
def publish_retailer_app(feed_date: str) -> dict:
    return tasks.publish_retailer_app(feed_date, _run_id())


@task
def run_summary(feed_date: str) -> str:
    return tasks.run_summary(feed_date)


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=4,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20)},
    params={"feed_date": Param(None, type=["null", "string"], format="date",
                               description="Feed date to process (YYYY-MM-DD); defaults to the run's logical date.")},
    tags=["top-items", "control-plane"],
    doc_md=__doc__,
)
def top_items_pipeline():
    feed_date = resolve_feed_date()
    ingested = load_reference_snapshots(feed_date) >> ingest_inventory_feeds(feed_date)

    with TaskGroup(group_id="transform") as transform:
        built = {}
        for model in discover():  # one task per SQL model, wired by the dependencies read from its SQL
            built[model.qualified_name] = build_model.override(
                task_id=model.name, outlets=[assets.table(model.qualified_name)])(model.qualified_name, feed_date)
            for upstream in model.depends_on:
                built[upstream] >> built[model.qualified_name]
    ingested >> transform

    published = publish_retailer_app(feed_date)
    built["exports.exp_top_items_retailer_app"] >> published
    published >> run_summary(feed_date)


top_items_pipeline()
