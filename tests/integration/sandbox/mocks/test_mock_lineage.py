"""The lineage receiver speaks Marquez's lineage API: OpenLineage's own client writes to it over HTTP with an API
key, and the jobs, datasets and lineage graph read back are the ones the events described."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState

from sandbox.mocks import demo_credentials
from sandbox.mocks.control import MockControl

NAMESPACE, WAREHOUSE = "top_items", "postgres://127.0.0.1:5432"


@pytest.fixture
def receiver(lineage_mock):
    control = MockControl.from_mock(lineage_mock)
    control.reset()
    session = control.session()
    session.headers["Authorization"] = f"Bearer {demo_credentials.LINEAGE_API_KEY}"
    return lineage_mock.url, session


def client(url: str, api_key: str = demo_credentials.LINEAGE_API_KEY) -> OpenLineageClient:
    return OpenLineageClient(config={"transport": {"type": "http", "url": url, "endpoint": "api/v1/lineage",
                                                   "auth": {"type": "api_key", "apiKey": api_key}}})


def run_job(ol: OpenLineageClient, name: str, reads: list[str], writes: list[str], end=RunState.COMPLETE) -> str:
    run_id = str(uuid.uuid4())
    for state in (RunState.START, end):
        ol.emit(RunEvent(eventType=state, eventTime=datetime.now(UTC).isoformat(), run=Run(runId=run_id),
                         job=Job(namespace=NAMESPACE, name=name), producer="tests",
                         inputs=[InputDataset(namespace=WAREHOUSE, name=table) for table in reads],
                         outputs=[OutputDataset(namespace=WAREHOUSE, name=table) for table in writes]))
    return run_id


def test_events_from_the_openlineage_client_become_jobs_datasets_and_a_graph(receiver):
    url, http = receiver
    ol = client(url)
    run_job(ol, "pipeline.stg_stores", ["wh.raw.stores"], ["wh.staging.stg_stores"])
    run_job(ol, "pipeline.dim_stores", ["wh.staging.stg_stores"], ["wh.marts.dim_stores"], end=RunState.FAIL)
    latest = run_job(ol, "pipeline.stg_stores", ["wh.raw.stores"], ["wh.staging.stg_stores"])

    events = http.get(f"{url}/api/v1/events/lineage", timeout=10).json()
    assert events["totalCount"] == 6 and events["events"][0]["run"]["runId"] == latest  # newest first
    listed = http.get(f"{url}/api/v1/namespaces/{NAMESPACE}/jobs", timeout=10).json()["jobs"]
    jobs = {job["name"]: job for job in listed}
    assert jobs["pipeline.stg_stores"]["latestRun"] == {"id": latest, "state": "COMPLETE"}
    assert jobs["pipeline.dim_stores"]["latestRun"]["state"] == "FAIL"
    assert jobs["pipeline.dim_stores"]["inputs"] == [{"namespace": WAREHOUSE, "name": "wh.staging.stg_stores"}]
    datasets = http.get(f"{url}/api/v1/namespaces/{quote(WAREHOUSE, safe='')}/datasets", timeout=10).json()["datasets"]
    assert [d["name"] for d in datasets] == ["wh.marts.dim_stores", "wh.raw.stores", "wh.staging.stg_stores"]

    graph = http.get(f"{url}/api/v1/lineage", params={"nodeId": f"dataset:{WAREHOUSE}:wh.raw.stores"},
                     timeout=10).json()["graph"]
    by_id = {node["id"]: node for node in graph}
    assert set(by_id) == {f"dataset:{WAREHOUSE}:wh.raw.stores", f"job:{NAMESPACE}:pipeline.stg_stores",
                          f"dataset:{WAREHOUSE}:wh.staging.stg_stores", f"job:{NAMESPACE}:pipeline.dim_stores",
                          f"dataset:{WAREHOUSE}:wh.marts.dim_stores"}
    assert by_id[f"dataset:{WAREHOUSE}:wh.marts.dim_stores"]["inEdges"] == [
        {"origin": f"job:{NAMESPACE}:pipeline.dim_stores", "destination": f"dataset:{WAREHOUSE}:wh.marts.dim_stores"}]
    near = http.get(f"{url}/api/v1/lineage", params={"nodeId": f"dataset:{WAREHOUSE}:wh.raw.stores", "depth": 1},
                    timeout=10).json()["graph"]
    assert {node["id"] for node in near} == {f"dataset:{WAREHOUSE}:wh.raw.stores",
                                             f"job:{NAMESPACE}:pipeline.stg_stores"}


def test_the_receiver_refuses_events_without_the_key_and_malformed_ones(receiver):
    url, http = receiver
    event = {"eventType": "START", "eventTime": datetime.now(UTC).isoformat(), "producer": "tests",
             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": NAMESPACE, "name": "j"}}
    anonymous = MockControl(url).session()
    assert anonymous.post(f"{url}/api/v1/lineage", json=event, timeout=10).status_code == 401
    broken = {**event, "job": {"namespace": NAMESPACE}, "eventType": "DONE", "outputs": [{"name": "t"}]}
    refused = http.post(f"{url}/api/v1/lineage", json=broken, timeout=10)
    assert refused.status_code == 422
    assert all(word in refused.json()["message"] for word in ("job.name", "eventType", "outputs"))
    assert http.post(f"{url}/api/v1/lineage", json=event, timeout=10).status_code == 201
    assert http.get(f"{url}/api/v1/events/lineage", timeout=10).json()["totalCount"] == 1
    assert http.get(f"{url}/api/v1/lineage", params={"nodeId": "dataset:x:y"}, timeout=10).status_code == 404
