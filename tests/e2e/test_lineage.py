"""Lineage the tools understand: every task of a run reports what it read and wrote to the lineage receiver
(OpenLineage, Marquez's API), and Airflow's own REST API shows the same asset graph, raw to consumers.

Both are read back and walked: the warehouse's raw feed reaches every consumer through staging, marts and exports.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest
import requests

from sandbox.mocks.control import MockControl
from sandbox.simulate.publish import write_day
from sandbox.world.airflow_services import AirflowServices
from tests.support.airflow_services import services as airflow_services
from tests.support.dags import run_dag
from tests.support.failure_stories import GOOD_DAY, SPEC
from tests.support.paths import REPO
from top_items import assets, lineage, settings, tasks
from top_items.lineage_extractor import dataset
from top_items.registry import consumers

pytestmark = pytest.mark.timeout(1200)

DAG = "top_items_pipeline"
# The ordered walk the issue asks for: raw -> staging -> marts -> exports -> each consumer.
WALK = ("raw.inventory_feed", "staging.stg_inventory_feed", "marts.store_missing_top_items")


def pipeline():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags")).get_dag(DAG)


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, frontier = set(), [start]
    while frontier:
        for node in edges.get(frontier.pop(), ()):
            if node not in seen:
                seen.add(node)
                frontier.append(node)
    return seen


def assert_walks_raw_to_every_consumer(edges: dict[str, set[str]], key) -> None:
    """``edges``: node -> nodes it feeds; ``key`` names a lineage-graph node the way ``edges`` does."""
    for name, consumer in consumers().items():
        steps = [*WALK, consumer.export, lineage.consumer_node(name)]
        for upstream, downstream in zip(steps, steps[1:], strict=False):
            assert key(downstream) in reachable(edges, key(upstream)), f"{upstream} does not reach {downstream}"


def ol_key(node: str) -> str:
    found = dataset(assets.asset(node))
    return f"dataset:{found.namespace}:{found.name}"


# On a day nothing is blocked, nobody is asked (the question skips itself, and reports that it ran) and there is no
# answer to carry out: these steps are skipped before they start, and report nothing.
NEVER_STARTED = {tasks.apply_task_id(name) for name in consumers()}
ASKED = {tasks.decide_task_id(name) for name in consumers()}


def test_every_task_reports_what_it_read_and_wrote_to_the_lineage_receiver(world, warehouse, s3, destinations):
    write_day(s3, SPEC, date.fromisoformat(GOOD_DAY))
    run = run_dag(DAG, GOOD_DAY)
    assert run.state == "success"
    assert {ti.task_id for ti in run.get_task_instances() if ti.state == "skipped"} == NEVER_STARTED | ASKED

    events = defaultdict(list)
    for event in reversed(destinations.lineage("events/lineage")["events"]):  # oldest first
        assert event["job"]["namespace"] == settings.LINEAGE_NAMESPACE
        events[event["job"]["name"]].append(event)
    for task in pipeline().tasks:
        reported = events.pop(f"{DAG}.{task.task_id}", [])
        if task.task_id in NEVER_STARTED:
            assert reported == [], task.task_id
            continue
        assert [event["eventType"] for event in reported] == ["START", "COMPLETE"], task.task_id
        for side, declared in (("inputs", task.inlets), ("outputs", task.outlets)):
            expected = sorted((d.namespace, d.name) for d in map(dataset, declared))
            assert sorted((d["namespace"], d["name"]) for d in reported[-1][side]) == expected, (task.task_id, side)
    run_events = events.pop(DAG, [])  # the run's own: sent from a process pool, they may still be on their way
    assert {event["eventType"] for event in run_events} <= {"START", "COMPLETE"}
    assert not events, f"events of jobs that are no task: {sorted(events)}"

    start = ol_key("raw.inventory_feed")
    graph = {node["id"]: node for node in destinations.lineage("lineage", nodeId=start, depth=50)["graph"]}
    edges = defaultdict(set)
    for node in graph.values():
        for edge in node["outEdges"]:
            edges[edge["origin"]].add(edge["destination"])
    assert_walks_raw_to_every_consumer(edges, ol_key)


def test_a_run_succeeds_while_the_lineage_receiver_is_down(world, warehouse, s3, destinations):
    receiver = MockControl.from_connection(world.services[settings.LINEAGE_CONN_ID])
    receiver.fault(kind="drop_connection", match={"path": "^/api/v1/lineage$"}, count=None)
    write_day(s3, SPEC, date.fromisoformat(GOOD_DAY))

    assert run_dag(DAG, GOOD_DAY).state == "success"

    assert destinations.latest()["feed_date"] == GOOD_DAY and destinations.salesforce() and destinations.alerts() == []
    tried = [r for r in receiver.requests() if r["path"] == "/api/v1/lineage"]
    assert tried and all(r["fault"] == "drop_connection" for r in tried)  # every task tried, none was held up
    assert destinations.lineage("events/lineage")["totalCount"] == 0


def run_states(destinations) -> dict[str, list[str]]:
    """Each job's event types, oldest first, as the receiver holds them."""
    states = defaultdict(list)
    for event in reversed(destinations.lineage("events/lineage")["events"]):
        states[event["job"]["name"]].append(event["eventType"])
    return states


def _api(services: AirflowServices) -> requests.Session:
    password = json.loads((services.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
    session = requests.Session()
    session.trust_env = False
    token = session.post(f"http://127.0.0.1:{services.port}/auth/token", timeout=30,
                         json={"username": "admin", "password": password}).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def test_airflow_rest_api_and_the_receiver_show_the_asset_graph_after_a_scheduled_run(world, warehouse, s3,
                                                                                       destinations, tmp_path):
    write_day(s3, SPEC, date.fromisoformat(GOOD_DAY))
    services = airflow_services(world, tmp_path / "airflow", parallelism=4).start()
    try:
        services.wait_for_dag(DAG)
        api, base = _api(services), f"http://127.0.0.1:{services.port}/api/v2"
        triggered = api.post(f"{base}/dags/{DAG}/dagRuns", timeout=30,
                             json={"logical_date": None, "conf": {"feed_date": GOOD_DAY}})
        assert triggered.status_code == 200, triggered.text
        [run] = services.wait_for_runs(DAG, 1, timeout=900)  # one run
        assert run.state == "success", services.logs()
        found = api.get(f"{base}/assets", params={"limit": 100}, timeout=30).json()["assets"]
        # the scheduler sends the run's own events from a process pool: wait for the last before stopping it
        services.until(lambda: run_states(destinations).get(DAG, [])[-1:] == ["COMPLETE"], 60,
                       "the scheduler did not report the run's completion")
    except BaseException:
        print(services.logs())
        raise
    finally:
        services.stop()

    by_name = {asset["name"]: asset for asset in found}
    nodes = {assets.asset(node).name: node for node in lineage.graph().nodes}
    assert set(nodes) <= set(by_name)
    for name, node in nodes.items():  # the URI convention survives Airflow's normalisation
        assert by_name[name]["uri"] == assets.asset(node).uri
    produced, consumed = defaultdict(set), defaultdict(set)
    for asset in found:
        for ref in asset["producing_tasks"]:
            produced[(ref["dag_id"], ref["task_id"])].add(asset["name"])
        for ref in asset["consuming_tasks"]:
            consumed[(ref["dag_id"], ref["task_id"])].add(asset["name"])
    edges = defaultdict(set)  # asset -> asset: some task reads the one and writes the other
    for task, reads in consumed.items():
        for read in reads:
            edges[read] |= produced.get(task, set())
    assert_walks_raw_to_every_consumer(edges, lambda node: assets.asset(node).name)
    written_this_run = [name for name, node in nodes.items() if not node.startswith("landing.")]
    assert [name for name in written_this_run if by_name[name]["last_asset_event"] is None] == []

    # the same run, as the scheduler and its workers reported it: the run itself and every task, each begun and done
    states = run_states(destinations)
    assert states.pop(DAG) == ["START", "COMPLETE"]
    assert {job: reported[-1] for job, reported in states.items()} == {
        f"{DAG}.{task.task_id}": "COMPLETE" for task in pipeline().tasks if task.task_id not in NEVER_STARTED}
