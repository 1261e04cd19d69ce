"""Drive a running Airflow through its public REST API (``/api/v2``, a token from ``/auth/token``).

``make compose-check`` and ``make test-celery`` use it the way an operator's script would: unpause the DAGs,
trigger one run with ``conf`` or wait for the run a landing starts, wait for its end, then ask which worker ran each
task. Nothing here knows the
DAG's tasks, so it keeps working when they change.
"""

from __future__ import annotations

import time
from collections import defaultdict

import requests

FINISHED = {"success", "failed"}


class AirflowAPI:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False  # a loopback address: no proxy, whatever the environment says
        self.timeout = timeout
        response = self.http.post(f"{self.base_url}/auth/token", json={"username": username, "password": password},
                                  timeout=timeout)
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    @classmethod
    def wait_for(cls, base_url: str, username: str, password: str, *, timeout: float = 180.0) -> AirflowAPI:
        """Log in as soon as the API server answers."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return cls(base_url, username, password)
            except requests.RequestException as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no Airflow API at {base_url} after {timeout:.0f}s: {error}") from error
                time.sleep(2)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"{self.base_url}/api/v2{path}", timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def wait_for_dag(self, dag_id: str, *, timeout: float = 180.0) -> None:
        """The DAG processor has parsed the file (a fresh stack needs a moment)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._call("GET", f"/dags/{dag_id}")
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict) -> str:
        """A manual run (no logical date: the DAG reads its day from ``conf``); returns its run id."""
        return self._call("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})["dag_run_id"]

    def wait_for_partition(self, dag_id: str, partition_key: str, *, timeout: float = 900.0) -> dict:
        """The first run of the DAG on that partition (a partitioned asset's event creates it), once it exists."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self._call("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]
            found = [run for run in runs if run.get("partition_key") == partition_key]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no run of {dag_id} on partition {partition_key} after {timeout:.0f}s")
            time.sleep(3)

    def wait_for_run(self, dag_id: str, run_id: str, *, timeout: float = 900.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in FINISHED:
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} of {dag_id} still {state} after {timeout:.0f}s")
            time.sleep(3)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})[
            "task_instances"]

    def tasks_by_worker(self, dag_id: str, run_id: str) -> dict[str, list[str]]:
        """``{hostname: [task ids]}`` for every task instance that ran (skipped ones have no host)."""
        hosts: dict[str, list[str]] = defaultdict(list)
        for ti in self.task_instances(dag_id, run_id):
            if ti.get("hostname"):
                label = ti["task_id"] + (f"[{ti['map_index']}]" if ti.get("map_index", -1) >= 0 else "")
                hosts[ti["hostname"]].append(label)
        return dict(hosts)

    def failed_tasks(self, dag_id: str, run_id: str) -> list[str]:
        return [ti["task_id"] for ti in self.task_instances(dag_id, run_id)
                if ti["state"] not in ("success", "skipped")]
