"""DAG import and integrity: both DAGs parse, and the control plane is wired the way docs/architecture.md describes.

DagBag parsing needs no metadata database (AIRFLOW_HOME is conftest's throwaway folder, never migrated here).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from top_items.registry import consumers
from top_items.transform.models import discover

REPO = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO / "dags"
PIPELINE, SIMULATION, RECONCILE, LANDING = "top_items_pipeline", "simulate_source_systems", "reconcile", "landing"
CLOCK = "landing_clock"
CONSUMERS = tuple(consumers())
GATES = {"gate_raw", "gate_marts", *(f"gate_export_{consumer}" for consumer in CONSUMERS)}
# The steps that ask a consumer's owner about a blocked push: they read ops and write only Airflow's metadata.
DECISIONS = {f"decide_push_{consumer}" for consumer in CONSUMERS}
# Tasks that write nothing anybody else reads: the setup (idempotent DDL), the day's claim, the summary, the owners'
# notices (ops and the pager), the questions to owners, and the builds of marts and exports, which write only to their
# run's own workspace (publish makes them visible). Every other task must say what it writes (Assets); a staging model
# exists only as its build, so its build announces it.
READ_ONLY_TASKS = {"setup_warehouse", "claim_feed_date", "run_summary", "notify_override_owners", *DECISIONS,
                   *(f"transform.{model.name}" for model in discover() if model.layer != "staging")}
# Tasks that read no table: the setup, the claim (ops only), the questions (ops only) and the summary (ops only).
# Every other reads an asset.
READS_NO_TABLE = {"setup_warehouse", "claim_feed_date", "run_summary", *DECISIONS}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_DIR))


@pytest.fixture(scope="module")
def pipeline(dagbag):
    return dagbag.dags[PIPELINE]


def transform_task(model) -> str:
    return f"transform.{model.name}"


def upstream(pipeline, task_id: str) -> set[str]:
    return pipeline.get_task(task_id).upstream_task_ids


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}


def test_every_dag_is_defined(dagbag):
    assert set(dagbag.dags) == {PIPELINE, SIMULATION, RECONCILE, LANDING, CLOCK}


def test_landing_runs_on_the_queue_watchers_events_and_announces_each_kind_partitioned(dagbag):
    from top_items.landing.events import FEED, REFERENCE
    from top_items.landing.watcher import BATCHES, LANDED, LANDING_EVENTS, POLL_SECONDS, READY

    dag = dagbag.dags[LANDING]
    assert (dag.schedule, dag.catchup, dag.max_active_runs) == ([LANDING_EVENTS], False, 1)
    [watcher] = LANDING_EVENTS.watchers
    assert watcher.trigger.kwargs["waiter_delay"] == POLL_SECONDS
    assert watcher.trigger.kwargs["num_batches"] == BATCHES and watcher.trigger.kwargs["wait_time_seconds"] == 0
    assert dag.get_task("record_landings").inlets == [LANDING_EVENTS]  # it reads the events after its own too
    assert {kind: dag.get_task(f"announce_{kind}").outlets for kind in (FEED, REFERENCE)} == \
        {kind: [LANDED[kind]] for kind in (FEED, REFERENCE)}
    assert dag.get_task("record_landings").downstream_task_ids == {
        *(f"announce_{kind}" for kind in (FEED, REFERENCE)), "load_reference_snapshots", "announce_ready_days"}
    assert dag.get_task("announce_ready_days").outlets == [READY]
    assert dag.get_task("load_reference_snapshots").downstream_task_ids == {"announce_ready_days"}


def test_the_landing_clock_ticks_at_the_cutoff_the_deadline_and_each_freshness_promise_only(dagbag):
    from top_items import rules
    from top_items.activation.promises import promises
    from top_items.landing.watcher import READY

    policy = rules.variables()
    dag = dagbag.dags[CLOCK]
    crons = {timetable.expression for timetable in dag.schedule.timetables}
    assert crons == {f"0 {policy[name] % 24} * * *" for name in ("landing_cutoff_hours", "landing_deadline_hours")} \
        | {promise.cron() for promise in promises()}
    assert {task.task_id: task.outlets for task in dag.tasks} == {"judge_due_days": [READY], "judge_freshness": []}


def test_reconcile_has_one_task_per_consumer_and_runs_weekly(dagbag):
    dag = dagbag.dags[RECONCILE]
    assert set(dag.task_ids) == {f"reconcile_{name}" for name in CONSUMERS}
    assert (dag.schedule, dag.catchup) == ("@weekly", False)


def test_transform_has_one_task_per_sql_model(pipeline):
    in_group = {task_id for task_id in pipeline.task_ids if task_id.startswith("transform.")}
    assert in_group == {transform_task(model) for model in discover()}


@pytest.mark.parametrize("model", discover(), ids=lambda model: model.qualified_name)
def test_each_model_task_waits_for_exactly_the_models_it_reads(pipeline, model):
    upstream = {task_id for task_id in pipeline.get_task(transform_task(model)).upstream_task_ids
                if task_id.startswith("transform.")}
    assert upstream == {f"transform.{dep.split('.')[1]}" for dep in model.depends_on}


def test_the_run_sets_up_and_claims_its_day_before_it_loads(pipeline):
    assert upstream(pipeline, "claim_feed_date") == {"setup_warehouse"}
    assert upstream(pipeline, "load_reference_snapshots") == {"claim_feed_date"}
    assert not upstream(pipeline, "setup_warehouse")


def test_no_task_reads_its_feed_date_from_another(pipeline):
    # Each task works out the feed date from its own context: no XCom edge fans out to every task.
    from airflow.sdk.definitions.xcom_arg import XComArg

    fed = [task.task_id for task in pipeline.tasks
           if any(isinstance(arg, XComArg) for arg in (*getattr(task, "op_args", ()),
                                                       *getattr(task, "op_kwargs", {}).values()))]
    assert fed == []


def test_staging_models_wait_for_the_raw_gate_after_every_load(pipeline):
    assert "load_reference_snapshots" in pipeline.get_task("ingest_inventory_feeds").upstream_task_ids
    # retailer feedback is checked against the reference in force on the day, so it loads after it
    assert "load_reference_snapshots" in pipeline.get_task("ingest_retailer_feedback").upstream_task_ids
    assert upstream(pipeline, "gate_raw") == {"ingest_inventory_feeds", "ingest_retailer_feedback"}
    staging = [model for model in discover() if model.layer == "staging"]
    assert staging
    for model in staging:
        assert "gate_raw" in pipeline.get_task(transform_task(model)).upstream_task_ids


def test_no_export_is_built_before_the_marts_gate_passes(pipeline):
    marts = {transform_task(model) for model in discover() if model.layer == "marts"}
    assert upstream(pipeline, "gate_marts") == marts
    for model in discover():
        if model.layer == "exports":
            assert "gate_marts" in pipeline.get_task(transform_task(model)).upstream_task_ids


def test_publish_waits_for_every_gate_and_decides_what_passed_itself(pipeline):
    assert upstream(pipeline, "publish") == GATES - {"gate_raw"}
    assert pipeline.get_task("publish").trigger_rule == "all_done"


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_each_consumer_is_pushed_only_after_its_own_gate_and_the_publish(pipeline, consumer):
    export_task = f"transform.{consumers()[consumer].export.split('.')[1]}"
    assert upstream(pipeline, f"gate_export_{consumer}") == {export_task}
    assert upstream(pipeline, f"push_{consumer}") == {f"gate_export_{consumer}", "publish"}
    # a fan-out: no consumer's push waits for another's
    others = {f"push_{other}" for other in CONSUMERS if other != consumer}
    assert not pipeline.get_task(f"push_{consumer}").get_flat_relative_ids(upstream=True) & others


def test_the_run_summary_comes_last_and_runs_whatever_happened(pipeline):
    summary = pipeline.get_task("run_summary")
    # the override owners are told before the summary lists what they were told
    assert upstream(pipeline, "run_summary") == {f"push_{consumer}" for consumer in CONSUMERS} | {
        f"apply_decision_{consumer}" for consumer in CONSUMERS} | {"notify_override_owners"}
    assert upstream(pipeline, "notify_override_owners") == {"ingest_retailer_feedback"}
    assert summary.trigger_rule == "all_done"
    assert not summary.downstream_task_ids


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_blocked_push_asks_its_owner_and_then_does_what_they_said(pipeline, consumer):
    from airflow.providers.standard.operators.hitl import HITLOperator

    from top_items.registry import owner_user

    decide = pipeline.get_task(f"decide_push_{consumer}")
    assert isinstance(decide, HITLOperator) and decide.trigger_rule == "all_done"  # it runs after a failed push
    assert upstream(pipeline, f"decide_push_{consumer}") == {f"push_{consumer}"}
    assert [user["id"] for user in decide.assigned_users] == [owner_user(consumer)]
    assert decide.defaults == ["Reject"] and decide.response_timeout  # no answer in time: a reject
    assert upstream(pipeline, f"apply_decision_{consumer}") == {f"decide_push_{consumer}"}


def test_every_failure_pages_except_the_summary(pipeline):
    from top_items.alerts import on_task_failure

    paging = {task.task_id for task in pipeline.tasks if on_task_failure in (task.on_failure_callback or [])}
    assert paging == set(pipeline.task_ids) - {"run_summary"}


@pytest.mark.parametrize("dag_id", [PIPELINE, SIMULATION])
def test_every_task_that_writes_declares_assets(dagbag, dag_id):
    writers = [task for task in dagbag.dags[dag_id].tasks if task.task_id not in READ_ONLY_TASKS | GATES]
    assert writers
    assert [task.task_id for task in writers if not task.outlets] == []


def inlets(pipeline, task_id: str) -> set[str]:
    return {asset.name for asset in pipeline.get_task(task_id).inlets}


def test_every_task_declares_what_it_reads_from_the_lineage_graph(pipeline):
    from top_items.lineage import LANDING_FEEDS, LANDING_REFERENCE, consumer_node, graph
    from top_items.quality.contracts import datasets_for_gate, gates

    def named(nodes) -> set[str]:
        return {node if node.startswith("landing.") else f"warehouse.{node}" for node in nodes}

    assert {task.task_id for task in pipeline.tasks if not task.inlets} == READS_NO_TABLE
    assert inlets(pipeline, "load_reference_snapshots") == {LANDING_REFERENCE}
    assert inlets(pipeline, "ingest_inventory_feeds") == {LANDING_FEEDS}
    for model in discover():
        assert inlets(pipeline, transform_task(model)) == named(graph().reads(model.qualified_name))
    for gate in gates():
        assert inlets(pipeline, "gate_" + gate.replace(":", "_")) == named(datasets_for_gate(gate))
    for name in CONSUMERS:
        assert inlets(pipeline, f"push_{name}") == named(graph().reads(consumer_node(name)))
        assert inlets(pipeline, f"apply_decision_{name}") == inlets(pipeline, f"push_{name}")
    published = [model for model in discover() if model.layer != "staging"]
    assert inlets(pipeline, "publish") == named({read for m in published for read in graph().reads(m.qualified_name)})


def test_every_table_read_has_a_task_that_writes_it(pipeline):
    # the asset graph has no loose ends: what a task reads, another announces (the landing bucket: the producers)
    written = {asset.name for task in pipeline.tasks for asset in task.outlets}
    read = {asset.name for task in pipeline.tasks for asset in task.inlets}
    assert read - written == {"landing.inventory_feeds", "landing.reference_snapshots", "landing.retailer_feedback"}


def test_every_task_that_can_page_a_failure_pages_its_recovery(pipeline):
    from top_items.alerts import on_task_recovery

    recovering = {task.task_id for task in pipeline.tasks if on_task_recovery in (task.on_success_callback or [])}
    assert recovering == set(pipeline.task_ids) - {"run_summary"}


def test_publish_declares_every_published_table_as_asset(pipeline):
    outlets = {asset.name for asset in pipeline.get_task("publish").outlets}
    assert outlets == {f"warehouse.{model.qualified_name}" for model in discover() if model.layer != "staging"}


def test_the_pipeline_runs_on_the_days_the_landing_side_announces_ready_not_on_a_clock(pipeline):
    from airflow.sdk import PartitionedAssetTimetable

    from top_items.landing.watcher import READY

    assert isinstance(pipeline.schedule, PartitionedAssetTimetable)
    assert pipeline.schedule.asset_condition == READY
    assert pipeline.params["feed_date"] is None  # no param: the run's partition key decides


def test_the_simulator_is_daily_without_catchup(dagbag):
    dag = dagbag.dags[SIMULATION]
    assert (dag.schedule, dag.catchup) == ("@daily", False)
    assert dag.params["feed_date"] is None  # no param: the run's logical date decides


def test_pipeline_tasks_retry_infrastructure_errors(pipeline):
    assert [task.task_id for task in pipeline.tasks if task.retries < 1] == []


def refuse(*_, **__):
    raise AssertionError("a DAG file opened a connection or built a client at parse time")


@pytest.mark.parametrize("dag_file", sorted(DAGS_DIR.glob("*.py")), ids=lambda path: path.name)
def test_parsing_a_dag_file_opens_no_connection(monkeypatch, dag_file):
    # The dag-processor parses every file every few seconds: clients belong in tasks, not at module level.
    # (boto3 itself does get imported, by Airflow's own s3:// Asset URI handling; only clients are refused.)
    import botocore.session
    import psycopg

    monkeypatch.setattr(botocore.session.Session, "create_client", refuse)
    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(refuse))
    monkeypatch.setattr(psycopg, "connect", refuse)
    namespace = runpy.run_path(str(dag_file), run_name=f"parse_check_{dag_file.stem}")
    assert any(name in namespace for name in (PIPELINE, SIMULATION, RECONCILE, LANDING, CLOCK))


def test_parsing_the_dag_file_imports_no_heavy_module():
    # The DAG processor parses the file again and again: Soda, pandas, the database drivers and the API clients
    # are imported by the tasks that use them, never to parse.
    import os

    from sandbox.bench.overhead import HEAVY, parse_once

    parsed = parse_once(dict(os.environ))
    assert parsed["heavy_modules"] == [], f"imported to parse the DAG file (of {HEAVY}): {parsed['heavy_modules']}"
