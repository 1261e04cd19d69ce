"""The alert texts and who hears them: a failure names its cause and goes to whoever the task concerns, once on
each of their routes; a recovery names the incident it closes and goes to those the failure reached."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowFailException

from top_items import alerts, audience, lineage, registry, tasks
from top_items.alert_routes import EMAIL, ON_CALL_RECIPIENT, PAGER, ROUTES, Recipient
from top_items.alerts import AlertNotifier, build_alert, build_recovery, incident_key, recovers


def context(run_id: str, feed_date: str | None = None, exception: Exception | None = None,
            task=None) -> dict:
    ti = SimpleNamespace(dag_id="top_items_pipeline", task_id="gate_raw", run_id=run_id, try_number=3,
                         log_url=f"http://ui/{run_id}/gate_raw")
    return {"ti": ti, "params": {"feed_date": feed_date}, "exception": exception, "task": task or task_of(),
            "logical_date": datetime(2026, 11, 25, tzinfo=timezone.utc)}


def task_of(inlets=(), outlets=()):
    return SimpleNamespace(inlets=[Asset(name=n, uri=f"s3://b/{n}") for n in inlets],
                           outlets=[Asset(name=n, uri=f"s3://b/{n}") for n in outlets])


def test_a_recovery_names_the_incident_it_closes():
    incident = build_alert(context("run_1", "2026-11-24", ValueError("3 checks failed\\nraw.stores: rows -40%")))
    recovery = build_recovery(context("run_2"), incident)
    assert (recovery["event"], recovery["severity"], recovery["feed_date"]) == ("recovery", "info", "2026-11-25")
    assert recovery["resolves"] == incident["dedup_key"] == recovery["dedup_key"]
    assert recovery["incident"]["run_id"] == "run_1" and recovery["incident"]["cause"] == incident["cause"]
    assert "gate_raw recovered" in recovery["summary"] and "run_1" in recovery["summary"]


def test_one_incident_per_task_whichever_run_broke_it():
    assert incident_key("top_items_pipeline", "gate_raw") == "top_items.incident.top_items_pipeline.gate_raw"


def test_a_notifier_is_for_failures_or_recoveries():
    with pytest.raises(ValueError, match="failure"):
        AlertNotifier("retry")


@pytest.mark.parametrize(("succeeded_for", "closes"), [("2026-11-24", False), ("2026-11-25", True),
                                                       ("2026-11-26", True)])
def test_a_success_closes_an_incident_of_its_day_or_an_earlier_one_never_a_later_one(succeeded_for, closes):
    # a backfill of older days that succeeds while the 25th is broken must not say the 25th recovered
    assert recovers(build_alert(context("run_1", "2026-11-25")), succeeded_for) is closes


class TestWhoHears:
    def test_a_push_concerns_its_consumers_owner_alone_on_the_owners_route(self):
        push = task_of(inlets=["warehouse.exports.exp_top_items_crm"], outlets=[lineage.consumer_node("crm")])
        crm = registry.consumer("crm")
        assert audience.of_failure(push, AirflowFailException("VolumeGuardBlocked")) == [
            Recipient("crm", crm.alert_route, crm.owner)]

    def test_a_consumer_without_a_route_falls_to_the_on_call(self, monkeypatch):
        import dataclasses

        bare = dataclasses.replace(registry.consumer("crm"), alert_route=None)
        monkeypatch.setattr(registry, "consumer", lambda name: bare)
        push = task_of(outlets=[lineage.consumer_node("crm")])
        assert audience.of_failure(push, RuntimeError("boom")) == [ON_CALL_RECIPIENT]

    def test_a_loader_refusing_its_files_concerns_their_producer_and_the_on_call(self):
        load = task_of(inlets=[lineage.LANDING_FEEDS], outlets=["warehouse.raw.inventory_feed"])
        producer = registry.producer_of(lineage.LANDING_FEEDS)
        assert audience.of_failure(load, AirflowFailException("header mismatch")) == [
            ON_CALL_RECIPIENT, Recipient(producer.name, producer.alert_route, producer.owner)]

    def test_a_loader_that_could_not_reach_s3_is_the_on_calls_alone(self):
        load = task_of(inlets=[lineage.LANDING_FEEDS])
        assert audience.of_failure(load, ConnectionError("endpoint unreachable")) == [ON_CALL_RECIPIENT]

    def test_a_gate_concerns_the_producers_of_the_tables_whose_checks_failed(self):
        from top_items.quality.gate import GateFailedError, GateResult
        from top_items.quality.outcomes import CheckRecord

        result = GateResult("raw", "2026-11-25", "run_1", checks=[
            CheckRecord("raw", "raw.skus", "rows", "fail", "fail"),
            CheckRecord("raw", "raw.inventory_feed", "rows", "fail", "pass")])
        try:
            try:
                result.raise_for_failures()
            except GateFailedError as exc:
                raise AirflowFailException(str(exc)) from exc
        except AirflowFailException as raised:
            failure = raised
        gate = task_of(inlets=["warehouse.raw.skus", "warehouse.raw.inventory_feed"])
        assert audience.failed_datasets(failure) == ["raw.skus"]
        assert [r.name for r in audience.of_failure(gate, failure)] == [
            ON_CALL_RECIPIENT.name, registry.producer_of(lineage.LANDING_REFERENCE).name]

    def test_a_model_that_does_not_build_is_the_on_calls_alone(self):
        build = task_of(inlets=["warehouse.raw.inventory_feed"], outlets=["warehouse.staging.stg_inventory"])
        assert audience.of_failure(build, AirflowFailException("syntax error")) == [ON_CALL_RECIPIENT]

    def test_everyone_is_each_owner_each_producer_and_the_on_call_once(self):
        found = audience.everyone()
        assert len(found) == len(set(found)) == 1 + len(registry.consumers()) + len(registry.producers())
        assert {r.route for r in found} <= set(ROUTES)


class Routes:
    """Stands in for the routes: what each recipient was sent, and the routes that refuse."""

    def __init__(self, down: tuple[str, ...] = ()):
        self.down, self.sent = set(down), []

    def deliver(self, alert, recipients, conn=None):
        self.sent += [(alert["event"], r.name) for r in recipients if r.route not in self.down]
        return {r: ("refused" if r.route in self.down else None) for r in recipients}


class FakeVariables:
    def __init__(self):
        self.values = {}

    def get(self, key, default=None):
        return self.values.get(key, default)

    def set(self, key, value, description=None):
        self.values[key] = value

    def delete(self, key):
        self.values.pop(key, None)


@pytest.fixture
def world(monkeypatch):
    import airflow.sdk

    variables = FakeVariables()
    monkeypatch.setattr(airflow.sdk, "Variable", variables)
    routes = Routes()
    monkeypatch.setattr(alerts, "deliver", lambda *a, **k: routes.deliver(*a, **k))
    return SimpleNamespace(variables=variables, routes=routes)


def load_failed(run_id: str, feed_date: str) -> dict:
    return context(run_id, feed_date, AirflowFailException("header mismatch"),
                   task=task_of(inlets=[lineage.LANDING_FEEDS]))


def test_a_recovery_goes_to_those_the_failure_reached_and_waits_for_a_route_that_refused_it(world):
    producer = registry.producer_of(lineage.LANDING_FEEDS).name
    alerts.on_task_failure.notify(load_failed("run_1", "2026-11-25"))
    assert world.routes.sent == [("failure", "on-call"), ("failure", producer)]

    world.routes.down = {EMAIL}  # the mail server refuses the recovery: the producer is still owed it
    alerts.on_task_recovery.notify(context("run_2", "2026-11-25"))
    world.routes.down = set()
    alerts.on_task_recovery.notify(context("run_3", "2026-11-25"))
    alerts.on_task_recovery.notify(context("run_4", "2026-11-25"))  # closed: nothing more
    assert world.routes.sent[2:] == [("recovery", "on-call"), ("recovery", producer)]
    assert world.variables.values == {}


def test_a_failure_that_reached_nobody_opens_no_incident(world):
    world.routes.down = {PAGER, EMAIL}
    alerts.on_task_failure.notify(load_failed("run_1", "2026-11-25"))
    assert world.variables.values == {}


def test_on_the_real_pipeline_pushes_alert_owners_loaders_their_producers_and_the_rest_the_on_call():
    from airflow.dag_processing.dagbag import DagBag

    from tests.support.paths import REPO

    pipeline = DagBag(dag_folder=str(REPO / "dags")).dags["top_items_pipeline"]
    refused = AirflowFailException("the files are not the contract's")
    heard = {task.task_id: [r.name for r in audience.of_failure(task, refused)] for task in pipeline.tasks}
    owners = {task_id: [name] for name in registry.consumers()
              for task_id in (tasks.push_task_id(name), tasks.apply_task_id(name))}  # the push, and a decision's
    loaders = {"load_reference_snapshots": lineage.LANDING_REFERENCE, "ingest_inventory_feeds": lineage.LANDING_FEEDS,
               "ingest_retailer_feedback": lineage.RETAILER_FEEDBACK}
    producers = {task_id: [ON_CALL_RECIPIENT.name, registry.producer_of(landing).name]
                 for task_id, landing in loaders.items()}
    # every other task is ours: models, gates (until a check on an input fails: see above), publish, setup
    assert heard == {task_id: owners.get(task_id) or producers.get(task_id) or [ON_CALL_RECIPIENT.name]
                     for task_id in heard}
    assert set(owners) | set(producers) < set(heard)
