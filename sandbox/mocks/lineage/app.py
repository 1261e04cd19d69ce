"""The lineage receiver: the part of Marquez's lineage API that OpenLineage clients write to and people read.

``POST /api/v1/lineage`` takes an OpenLineage run event (what the Airflow provider's HTTP transport sends; 201, or
422 naming what is missing). Reads, built from the events received: ``GET /api/v1/events/lineage`` (the events,
newest first), ``/api/v1/namespaces``, ``/api/v1/namespaces/<ns>/jobs`` (each job's inputs, outputs and latest
run), ``/api/v1/namespaces/<ns>/datasets``, and ``/api/v1/lineage?nodeId=dataset:<ns>:<name>&depth=N`` (the graph
of jobs and datasets around a node). Bearer auth, faults and the request log come from mocks/common.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, request

from sandbox.mocks import demo_credentials
from sandbox.mocks.common.app import ServiceSpec, create_app, current_store, json_response, set_record_count

COLLECTION = "events"
RUN_STATES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
DEFAULT_DEPTH = 20


def _error(status: int, message: str):
    return json_response({"code": status, "message": message}, status)


def _unauthorized(reason: str):
    return _error(401, "token expired" if reason == "expired" else "missing or invalid bearer token")


def _fault_response(fault: dict):
    status = int(fault["status"])
    return json_response(fault.get("body") or {"code": status, "message": "simulated failure"}, status,
                         fault.get("headers"))


def problems(event) -> list[str]:
    """What a run event lacks (empty: acceptable)."""
    if not isinstance(event, dict):
        return ["the body is not a JSON object"]
    found = [f"missing {key}" for key in ("eventTime", "producer", "schemaURL") if not event.get(key)]
    run, job = event.get("run"), event.get("job")
    if not isinstance(run, dict) or not run.get("runId"):
        found.append("missing run.runId")
    if not isinstance(job, dict) or not job.get("namespace") or not job.get("name"):
        found.append("missing job.namespace or job.name")
    if event.get("eventType") is not None and event["eventType"] not in RUN_STATES:
        found.append(f"eventType must be one of {', '.join(RUN_STATES)}")
    for side in ("inputs", "outputs"):
        datasets = event.get(side) or []
        if not isinstance(datasets, list) or any(not isinstance(d, dict) or not d.get("namespace") or not d.get("name")
                                                 for d in datasets):
            found.append(f"every one of {side} needs a namespace and a name")
    return found


def _events() -> list[dict]:
    """Every event received, oldest first."""
    return [doc["event"] for doc in current_store().collections().get(COLLECTION, [])]


def _key(node: dict) -> tuple[str, str]:
    return node["namespace"], node["name"]


def jobs(events: list[dict]) -> dict[tuple[str, str], dict]:
    """Each job as its latest run left it: that run's inputs and outputs (every event of it), and its state."""
    latest: dict[tuple[str, str], dict] = {}
    for event in events:
        job, run_id = _key(event["job"]), event["run"]["runId"]
        current = latest.get(job)
        if current is None or current["latestRun"]["id"] != run_id:
            current = latest[job] = {"id": {"namespace": job[0], "name": job[1]}, "namespace": job[0],
                                     "name": job[1], "type": "BATCH", "inputs": [], "outputs": [],
                                     "latestRun": {"id": run_id, "state": None}}
        for side in ("inputs", "outputs"):
            for dataset in event.get(side) or []:
                ref = {"namespace": dataset["namespace"], "name": dataset["name"]}
                if ref not in current[side]:
                    current[side].append(ref)
        if event.get("eventType"):
            current["latestRun"]["state"] = event["eventType"]
        current["updatedAt"] = event["eventTime"]
    return latest


def graph(events: list[dict]) -> dict[str, dict]:
    """Nodes ``job:<ns>:<name>`` and ``dataset:<ns>:<name>`` with their edges, as Marquez's lineage endpoint."""
    nodes: dict[str, dict] = {}
    edges: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def node(kind: str, ref: dict) -> str:
        node_id = f"{kind.lower()}:{ref['namespace']}:{ref['name']}"
        nodes.setdefault(node_id, {"id": node_id, "type": kind, "data": {"namespace": ref["namespace"],
                                                                          "name": ref["name"]}})
        return node_id

    for job in jobs(events).values():
        job_id = node("JOB", job)
        for dataset in job["inputs"]:
            edge = (node("DATASET", dataset), job_id)
            edges[edge[0]].add(edge)
            edges[job_id].add(edge)
        for dataset in job["outputs"]:
            edge = (job_id, node("DATASET", dataset))
            edges[edge[1]].add(edge)
            edges[job_id].add(edge)
    for node_id, found in nodes.items():
        found["inEdges"] = [{"origin": o, "destination": d} for o, d in sorted(edges[node_id]) if d == node_id]
        found["outEdges"] = [{"origin": o, "destination": d} for o, d in sorted(edges[node_id]) if o == node_id]
    return nodes


def around(nodes: dict[str, dict], start: str, depth: int) -> list[dict]:
    """The nodes connected to ``start`` within ``depth`` edges, either direction."""
    seen, frontier = {start}, [start]
    for _ in range(depth):
        step = {edge[end] for node_id in frontier for edge in (*nodes[node_id]["inEdges"], *nodes[node_id]["outEdges"])
                for end in ("origin", "destination")} - seen
        if not step:
            break
        seen |= step
        frontier = list(step)
    return [nodes[node_id] for node_id in sorted(seen)]


SPEC = ServiceSpec(name="lineage", unauthorized=_unauthorized, fault_response=_fault_response,
                   static_tokens=demo_credentials.STATIC_TOKENS["lineage"])


def make_app(state_dir: Path) -> Flask:
    app = create_app(SPEC, state_dir)

    @app.post("/api/v1/lineage")
    def receive():
        event = request.get_json(force=True, silent=True)
        found = problems(event)
        if found:
            return _error(422, "; ".join(found))
        store = current_store()
        with store.tx() as conn:
            n = store.next_value(conn, COLLECTION)
            store.doc_put(conn, COLLECTION, f"{n:09d}", {
                "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event})
        set_record_count(1)
        return "", 201

    @app.get("/api/v1/events/lineage")
    def events():
        found = list(reversed(_events()))
        limit = request.args.get("limit", default=len(found) or 1, type=int)
        set_record_count(min(limit, len(found)))
        return json_response({"events": found[:limit], "totalCount": len(found)})

    @app.get("/api/v1/namespaces")
    def namespaces():
        names = sorted({event["job"]["namespace"] for event in _events()})
        return json_response({"namespaces": [{"name": name} for name in names]})

    @app.get("/api/v1/namespaces/<path:namespace>/jobs")  # a namespace may hold slashes (postgres://h:p)
    def list_jobs(namespace: str):
        found = [job for (ns, _), job in sorted(jobs(_events()).items()) if ns == namespace]
        set_record_count(len(found))
        return json_response({"jobs": found, "totalCount": len(found)})

    @app.get("/api/v1/namespaces/<path:namespace>/datasets")
    def datasets(namespace: str):
        refs = sorted({_key(d) for job in jobs(_events()).values() for d in (*job["inputs"], *job["outputs"])
                       if d["namespace"] == namespace})
        found = [{"id": {"namespace": ns, "name": name}, "namespace": ns, "name": name} for ns, name in refs]
        return json_response({"datasets": found, "totalCount": len(found)})

    @app.get("/api/v1/lineage")
    def lineage():
        node_id = request.args.get("nodeId", "")
        nodes = graph(_events())
        if node_id not in nodes:
            return _error(404, f"node {node_id!r} not found")
        return json_response({"graph": around(nodes, node_id, request.args.get("depth", DEFAULT_DEPTH, type=int))})

    return app
