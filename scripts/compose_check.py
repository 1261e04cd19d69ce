"""make compose-check: build the image, bring the compose stack up with three Celery workers, wait for health,
unpause the DAGs through the REST API and wait for the run the seeded day's landing events start (no trigger),
check that more than one worker ran its tasks, read every consumer's
destination from outside the stack, then `down -v`. Prints what it checked and how long each stage took.

Written for any Docker host: only `docker compose` and the published 127.0.0.1 ports are used.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO)]

from sandbox.consumers import Destinations  # noqa: E402  (the consumers' own clients, as the tests read them)
from sandbox.world.airflow_api import AirflowAPI  # noqa: E402
from sandbox.world.mock_connections import airflow_connection  # noqa: E402
from top_items import registry, settings  # noqa: E402

DAG_ID = settings.PIPELINE_DAG_ID
FEED_DATE = os.environ.get("FEED_DATE", "2026-11-25")
WORKERS = int(os.environ.get("COMPOSE_CHECK_WORKERS", "3"))
STORES_WITH_A_FEED = 39  # the seeded day: 40 stores, one feed missing on purpose (compose-init.sh)
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "top-items-check")  # never the user's own `docker compose up`
PORTS = ("AIRFLOW_PORT", "S3_PORT", "SALESFORCE_PORT", "CRM_PORT")
timings: list[tuple[str, float]] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ENV = {**os.environ, "COMPOSE_PROJECT_NAME": PROJECT, **{name: str(free_port()) for name in PORTS}}


@contextmanager
def stage(name: str):
    print(f"--- {name}", flush=True)
    started = time.monotonic()
    yield
    timings.append((name, time.monotonic() - started))
    print(f"    {name}: {timings[-1][1]:.0f}s", flush=True)


def compose(*args: str, capture: bool = False) -> str:
    result = subprocess.run(["docker", "compose", *args], cwd=REPO, env=ENV, text=True,
                            stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        raise SystemExit(f"docker compose {' '.join(args)} exited {result.returncode}")
    return result.stdout or ""


def containers() -> list[dict]:
    ids = compose("ps", "-q", capture=True).split()
    return json.loads(subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout)


def wait_healthy(timeout: float = 600) -> None:
    """Every long-running service healthy, and the init service exited 0."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = []
        for c in containers():
            name, state = c["Name"].lstrip("/"), c["State"]
            if "airflow-init" in name:
                if state["Status"] == "exited" and state["ExitCode"] != 0:
                    compose("logs", "--tail", "40", "airflow-init")
                    raise SystemExit("airflow-init failed")
                if state["Status"] != "exited":
                    waiting.append(f"{name} (running)")
            elif state.get("Health", {}).get("Status") != "healthy":
                waiting.append(f"{name} ({state.get('Health', {}).get('Status', state['Status'])})")
        if not waiting:
            return
        if time.monotonic() > deadline:
            compose("ps")
            raise SystemExit(f"not healthy after {timeout:.0f}s: {', '.join(waiting)}")
        time.sleep(5)


def ui_login() -> tuple[str, str]:
    """The documented login, read from the compose file (its one place)."""
    env = yaml.safe_load((REPO / "docker-compose.yaml").read_text())["x-airflow"]["environment"]
    return env["AIRFLOW_UI_USER"], env["AIRFLOW_UI_PASSWORD"]


def destinations_from_outside(ca_path: Path) -> Destinations:
    """The stack's consumers as seen from the host: the published ports, the mock's CA copied out."""
    host = "http://127.0.0.1"
    mocks = {
        registry.consumer("salesforce").connection: SimpleNamespace(name="salesforce", ca_path=ca_path,
                                                     url=f"https://127.0.0.1:{ENV['SALESFORCE_PORT']}"),
        registry.consumer("crm").connection: SimpleNamespace(name="crm", url=f"{host}:{ENV['CRM_PORT']}", ca_path=None),
    }
    world = SimpleNamespace(s3_endpoint=f"{host}:{ENV['S3_PORT']}",
                            services={conn_id: airflow_connection(mock) for conn_id, mock in mocks.items()})
    return Destinations.of(world)


def main() -> int:
    started = time.monotonic()
    try:
        with stage("build the image (once)"):
            compose("build")
        with stage(f"up -d with {WORKERS} Celery workers"):
            compose("up", "-d", "--scale", f"airflow-worker={WORKERS}")
        with stage("wait for every service to be healthy"):
            wait_healthy()
        api = AirflowAPI.wait_for(f"http://127.0.0.1:{ENV['AIRFLOW_PORT']}", *ui_login())
        with stage(f"unpause the landing side and {DAG_ID}: the seeded day's landing events start its run"):
            # compose-init landed the seeded day before any DAG ran: its notifications wait on the landing queue,
            # and once the landing DAG records them the day (39 of 40 stores, past its cutoff) is announced ready
            for dag_id in (settings.LANDING_DAG_ID, settings.LANDING_CLOCK_DAG_ID, DAG_ID):
                api.wait_for_dag(dag_id)
                api.unpause(dag_id)
            run = api.wait_for_partition(DAG_ID, FEED_DATE)
            if run["run_type"] != "asset_triggered":
                raise SystemExit(f"the run of {FEED_DATE} was not started by its landing: {run}")
            run_id = run["dag_run_id"]
            state = api.wait_for_run(DAG_ID, run_id)
            if state != "success":
                raise SystemExit(f"run {run_id} ended {state}; not successful: {api.failed_tasks(DAG_ID, run_id)}")
            print(f"    run {run_id}: {state}")
        with stage("which worker ran which task"):
            names = {c["Config"]["Hostname"]: c["Name"].lstrip("/") for c in containers()}
            by_worker = api.tasks_by_worker(DAG_ID, run_id)
            for host, tasks in sorted(by_worker.items()):
                print(f"    {names.get(host, host)}: {len(tasks)} tasks: {', '.join(sorted(tasks))}")
            if len(by_worker) < 2:
                raise SystemExit(f"every task ran on one worker: {list(by_worker)}")
        with stage("read each consumer's destination from outside the stack"):
            with tempfile.TemporaryDirectory() as tmp:
                ca = Path(tmp) / "ca.pem"
                ca.write_text(compose("exec", "-T", "salesforce", "cat", "/state/salesforce/ca.pem", capture=True))
                found = destinations_from_outside(ca)
                objects = found.retailer_app()
                # by content, not key layout: the only run of the seeded day in a fresh stack is this one
                manifests = [manifest for manifest in (json.loads(body) for key, body in objects.items()
                                                       if key.endswith("manifest.json"))
                             if manifest["feed_date"] == FEED_DATE]
                if not manifests or manifests[0]["row_count"] != STORES_WITH_A_FEED:
                    raise SystemExit(f"no handoff of {STORES_WITH_A_FEED} stores for {FEED_DATE}: {manifests}")
                records, companies = found.salesforce(), found.crm()
                if not records or not any(company[2] for company in companies):
                    raise SystemExit(f"Salesforce has {len(records)} records, the CRM {len(companies)} companies")
                print(f"    S3 handoff: {manifests[0]['row_count']} stores in {len(manifests[0]['files'])} part(s);"
                      f" latest.json -> {found.latest()['feed_date']}")
                print(f"    Salesforce: {len(records)} Top_Item__c records; CRM: "
                      f"{sum(1 for c in companies if c[2])} companies with top items")
        with stage("restart moto: the handoff is still there (S3 kept in its volume)"):
            compose("restart", "moto")
            wait_healthy()
            if found.retailer_app() != objects:
                raise SystemExit("S3 lost objects across a restart of moto")
            print(f"    {len(objects)} objects of the retailer app's bucket, byte for byte")
    finally:
        with stage("down -v"):
            compose("down", "-v", "--remove-orphans")
    print("\ncompose check passed. Stage times:")
    for name, seconds in timings:
        print(f"  {seconds:6.0f}s  {name}")
    print(f"  {time.monotonic() - started:6.0f}s  in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
