"""top_items_pipeline: the single control plane.

ingest -> raw gate -> staging and marts -> marts gate -> exports -> one gate and one push per consumer.
Each step runs on the previous step's success: a broken raw feed or mart stops every consumer, a broken
export stops only its own consumer, and whoever failed pages once. Read it as a table of contents; every
task calls the ``top_items`` package (plugins/top_items/tasks.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, TaskGroup, dag, get_current_context, task

from top_items import alerts, assets, tasks
from top_items.registry import consumers
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
def quality_gate(gate: str, feed_date: str) -> dict:
    return tasks.quality_gate(gate, feed_date, _run_id())


@task
def build_model(model: str, feed_date: str) -> int:
    return tasks.build_model(model, feed_date, _run_id())


@task
def push_to_consumer(consumer: str, feed_date: str) -> dict:
    params = get_current_context()["params"]
    return tasks.push_to_consumer(consumer, feed_date, _run_id(), dry_run=params["dry_run"],
                                  override_volume_guard=consumer in params["override_volume_guard"])


@task(trigger_rule="all_done", on_failure_callback=None)
def run_summary(feed_date: str) -> str:
    context = get_current_context()
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    others = {task: state for task, state in states.items() if task != ti.task_id}
    return tasks.run_summary(feed_date, ti.run_id, others)


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=4,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20), "on_failure_callback": alerts.on_task_failure},
    params={
        "feed_date": Param(None, type=["null", "string"], format="date",
                           description="Feed date to process (YYYY-MM-DD); defaults to the run's logical date."),
        "dry_run": Param(False, type="boolean", description="Plan every push and print it; push nothing."),
        "override_volume_guard": Param([], type="array", items={"type": "string"},
                                       description="Consumers whose volume guard this run ignores (logged)."),
    },
    tags=["top-items", "control-plane"],
    doc_md=__doc__,
)
def top_items_pipeline():
    feed_date = resolve_feed_date()
    ingested = load_reference_snapshots(feed_date) >> ingest_inventory_feeds(feed_date)
    raw_ok = quality_gate.override(task_id="gate_raw")("raw", feed_date)
    marts_ok = quality_gate.override(task_id="gate_marts")("marts", feed_date)
    ingested >> raw_ok

    with TaskGroup(group_id="transform"):
        built = {}
        for model in discover():  # one task per SQL model, wired by the dependencies read from its SQL
            built[model.qualified_name] = build_model.override(
                task_id=model.name, outlets=[assets.table(model.qualified_name)])(model.qualified_name, feed_date)
            for upstream in model.depends_on:
                built[upstream] >> built[model.qualified_name]
            if model.layer == "staging":
                raw_ok >> built[model.qualified_name]
            elif model.layer == "marts":
                built[model.qualified_name] >> marts_ok
            else:
                marts_ok >> built[model.qualified_name]

    summary = run_summary(feed_date)
    for name, consumer in consumers().items():  # one gate and one push per consumer: a fan-out, not a chain
        export_ok = quality_gate.override(task_id=f"gate_export_{name}")(f"export:{name}", feed_date)
        pushed = push_to_consumer.override(task_id=f"push_{name}", outlets=[assets.consumer(name)])(name, feed_date)
        built[consumer.export] >> export_ok >> pushed >> summary


top_items_pipeline()
