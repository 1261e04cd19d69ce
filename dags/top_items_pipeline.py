"""top_items_pipeline: the single control plane.

setup -> claim the day -> ingest -> raw gate -> models built aside -> marts gate -> export gates -> publish ->
one push per consumer (a blocked one asks its owner: approve or reject) -> summary. Write-audit-publish: the run
builds its feed date in a workspace of its own, the gates audit that build, and only what passed is published to
``marts`` and ``exports`` (atomically), and only then pushed. A broken raw feed or mart stops every consumer, a
broken export stops only its own consumer, and whoever failed pages once. Runs of different days run side by side;
a second run of a running day waits for it. A day runs when the landing side announces it ready, its partition
key the feed date (dags/landing.py). Every task works out its feed date from its own context (the ``feed_date``
param, else the partition key, else the logical date). Read it as a table of contents; every task calls the
``top_items`` package (plugins/top_items/tasks.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import Param, PartitionedAssetTimetable, PokeReturnValue, TaskGroup, dag, get_current_context, task

from top_items import alerts, assets, feed_dates, lineage, settings, tasks
from top_items.activation.approval import BlockedPushApproval
from top_items.landing.watcher import READY
from top_items.quality.contracts import EXPORT_GATE_PREFIX, datasets_for_gate
from top_items.registry import consumers
from top_items.transform.models import discover

GATE_TASK_PREFIX = "gate_"


def _day() -> tuple[str, str]:
    """This run's feed date and run id, from the running task's own context."""
    context = get_current_context()
    return tasks.resolve_feed_date(*feed_dates.inputs(context)), context["run_id"]


def _gate_task_id(gate: str) -> str:
    return GATE_TASK_PREFIX + gate.replace(":", "_")


def _states() -> dict[str, str]:
    ti = get_current_context()["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    return {task_id: state for task_id, state in states.items() if task_id != ti.task_id}


# A waiting claim holds its worker slot (poke mode: reschedule mode lost its try in this Airflow version), so one
# claim at a time across runs: every other slot stays free for the days being loaded.
@task.sensor(poke_interval=3, timeout=6 * 3600, mode="poke", max_active_tis_per_dag=1)
def claim_feed_date() -> PokeReturnValue:
    ti = get_current_context()["ti"]
    return PokeReturnValue(is_done=tasks.claim_feed_date(*_day(), dag_id=ti.dag_id, run_state=tasks.dag_run_state(ti),
                                                         active_runs=tasks.active_runs(ti)))


@task(inlets=[assets.LANDING_REFERENCE], outlets=assets.loaded_from(lineage.LANDING_REFERENCE))
def load_reference_snapshots() -> dict:
    return tasks.load_reference_snapshots(*_day())


@task(inlets=[assets.LANDING_FEEDS], outlets=assets.loaded_from(lineage.LANDING_FEEDS))
def ingest_inventory_feeds() -> dict:
    return tasks.ingest_inventory_feeds(*_day())


@task(inlets=[assets.RETAILER_FEEDBACK], outlets=assets.loaded_from(lineage.RETAILER_FEEDBACK))
def ingest_retailer_feedback() -> dict:
    return tasks.ingest_retailer_feedback(*_day())


@task(inlets=[assets.table("raw.overrides")])
def notify_override_owners() -> dict:
    return tasks.notify_override_owners(*_day())


@task
def quality_gate(gate: str) -> dict:
    return tasks.quality_gate(gate, *_day())


@task
def build_model(model: str) -> int:
    return tasks.build_model(model, *_day())


@task(trigger_rule="all_done", inlets=assets.publish_reads(discover()), outlets=assets.published(discover()))
def publish(gates: list[str]) -> dict:
    states = _states()
    return tasks.publish(*_day(), {gate: states.get(_gate_task_id(gate)) == "success" for gate in gates})


@task
def push_to_consumer(consumer: str) -> dict:
    params = get_current_context()["params"]
    return tasks.push_to_consumer(consumer, *_day(), dry_run=params["dry_run"],
                                  override_volume_guard=consumer in params["override_volume_guard"])


@task
def apply_decision(consumer: str) -> dict:
    answer = get_current_context()["ti"].xcom_pull(task_ids=tasks.decide_task_id(consumer))
    return tasks.apply_decision(consumer, *_day(), answer)


@task(trigger_rule="all_done", on_failure_callback=None, on_success_callback=None)
def run_summary() -> str:
    return tasks.run_summary(*_day(), _states())


@dag(
    dag_id=settings.PIPELINE_DAG_ID,
    schedule=PartitionedAssetTimetable(assets=READY),  # a run per feed date the landing side found ready
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=12,  # the days of a backfill (python -m top_items backfill) side by side
    template_searchpath=[str(settings.SQL_DIR)],
    # weight_rule upstream: a task later in a run outranks the start of another run, so runs that have begun finish
    # first and waiting claims never take the last worker slots from the day they wait for.
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20), "on_failure_callback": alerts.on_task_failure,
                  "on_success_callback": alerts.on_task_recovery, "weight_rule": "upstream"},
    params={
        "feed_date": Param(None, type=["null", "string"], format="date",
                           description="Feed date to process (YYYY-MM-DD); defaults to the run's partition key, "
                                       "else its logical date."),
        "dry_run": Param(False, type="boolean", description="Plan every push and log the plan; push nothing."),
        "override_volume_guard": Param([], type="array", items={"type": "string"},
                                       description="Consumers whose volume guard this run ignores (logged)."),
    },
    tags=["top-items", "control-plane"],
    doc_md=__doc__,
)
def top_items_pipeline():
    setup = SQLExecuteQueryOperator(task_id="setup_warehouse", conn_id=settings.WAREHOUSE_CONN_ID,
                                    sql=list(settings.SETUP_SQL), split_statements=True, do_xcom_push=False)
    raw_ok = quality_gate.override(task_id=_gate_task_id("raw"), inlets=assets.audited(datasets_for_gate("raw")))("raw")
    marts_ok = quality_gate.override(task_id=_gate_task_id("marts"),
                                     inlets=assets.audited(datasets_for_gate("marts")))("marts")
    reference = load_reference_snapshots()
    setup >> claim_feed_date() >> reference >> ingest_inventory_feeds() >> raw_ok
    feedback = ingest_retailer_feedback()  # last-mile overrides from the retailer app, checked against the reference
    reference >> feedback >> raw_ok

    with TaskGroup(group_id="transform"):
        built = {}
        for model in discover():  # one task per SQL model, wired (and its inlets declared) from its parsed SQL
            built[model.qualified_name] = build_model.override(
                task_id=model.name, inlets=assets.reads(model.qualified_name), outlets=assets.built(model),
            )(model.qualified_name)
            for upstream in model.depends_on:
                built[upstream] >> built[model.qualified_name]
            if model.layer == "staging":
                raw_ok >> built[model.qualified_name]
            elif model.layer == "marts":
                built[model.qualified_name] >> marts_ok
            else:
                marts_ok >> built[model.qualified_name]

    export_gates = {name: EXPORT_GATE_PREFIX + name for name in consumers()}
    published = publish(["marts", *export_gates.values()])
    marts_ok >> published
    summary = run_summary()
    feedback >> notify_override_owners() >> summary
    for name, consumer in consumers().items():  # one gate and one push per consumer: a fan-out, not a chain
        export_ok = quality_gate.override(task_id=_gate_task_id(export_gates[name]),
                                          inlets=assets.audited(datasets_for_gate(export_gates[name])))(export_gates[name])
        pushed = push_to_consumer.override(task_id=tasks.push_task_id(name),
                                           inlets=assets.reads(lineage.consumer_node(name)),
                                           outlets=[assets.consumer(name)])(name)
        built[consumer.export] >> export_ok >> published >> pushed >> summary
        export_ok >> pushed
        # skipped unless the push was blocked (and in every test run): then its owner approves or rejects it in the UI
        decided = BlockedPushApproval(task_id=tasks.decide_task_id(name), consumer=name, trigger_rule="all_done")
        applied = apply_decision.override(task_id=tasks.apply_task_id(name), inlets=assets.reads(
            lineage.consumer_node(name)), outlets=[assets.consumer(name)])(name)
        pushed >> decided >> applied >> summary


top_items_pipeline()
