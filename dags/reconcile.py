"""reconcile: once a week, every consumer's destination is read back whole and compared with what the ledger
(ops.sync_state) and the published export say it holds; the drift is listed and repaired (orphans removed,
missing records pushed, state corrected) and recorded as a sync run of mode ``reconcile``. One task per
consumer of include/contracts/consumers.yml; ``dry_run`` lists the drift and repairs nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, get_current_context, task

from top_items import alerts, assets, lineage, tasks
from top_items.registry import consumers


@task
def reconcile_consumer(consumer: str) -> dict:
    context = get_current_context()
    return tasks.reconcile_consumer(consumer, context["run_id"], dry_run=context["params"]["dry_run"])


@dag(
    schedule="@weekly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30), "on_failure_callback": alerts.on_task_failure,
                  "on_success_callback": alerts.on_task_recovery},
    params={"dry_run": Param(False, type="boolean", description="List the drift; repair nothing.")},
    tags=["top-items", "activation"],
    doc_md=__doc__,
)
def reconcile():
    for name in consumers():
        reconcile_consumer.override(task_id=f"reconcile_{name}", inlets=assets.reads(lineage.consumer_node(name)),
                                    outlets=[assets.consumer(name)])(name)


reconcile()
