"""The pipeline on Airflow's CeleryExecutor without containers (``make test-celery``; opt-in, not in ``make test``).

Needs a Redis server and a PostgreSQL server (trust auth) on 127.0.0.1, by default :6379 and :5432
(``CELERY_TEST_REDIS``, ``CELERY_TEST_POSTGRES``). Starts an API server, a scheduler, a DAG processor and two
``airflow celery worker`` processes with the metadata database and the warehouse on that server, runs the seeded
day through the REST API, checks that both workers ran tasks, and stops every process it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.paths import REPO
from tests.support.session import SESSION_DIR

pytestmark = pytest.mark.skipif(not os.environ.get("CELERY_TEST"), reason="opt-in: make test-celery")

FEED_DATE = "2026-11-25"
DAG_ID = "top_items_pipeline"
WORKERS = ("worker-1", "worker-2")
LOGIN = ("admin", "celery-test")
REDIS = os.environ.get("CELERY_TEST_REDIS", "redis://127.0.0.1:6379/0")
POSTGRES = os.environ.get("CELERY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


DATABASES = ("top_items_celery_warehouse", "top_items_celery_airflow")


def _database(name: str, *, create: bool = True) -> str:
    """A fresh database on the test server (or none, to clean up); returns its libpq URI."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        if create:
            conn.execute(f"create database \"{name}\" encoding 'UTF8' template template0")
    return f"{POSTGRES}/{name}"


@pytest.fixture
def celery_airflow():
    """The world (warehouse on the server, moto, mocks) and Airflow on Celery; yields (api, env, logs folder)."""
    from sandbox.world import processes, stack
    from sandbox.world.airflow_api import AirflowAPI

    home = SESSION_DIR / "celery"
    home.mkdir(parents=True, exist_ok=True)
    world = stack.up(home / "world", warehouse_uri=_database(DATABASES[0]))
    metadata = urlsplit(_database(DATABASES[1]))
    port = processes.free_port()
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({LOGIN[0]: LOGIN[1]}))
    queue = f"top-items-{uuid.uuid4().hex[:8]}"  # the Redis server may be shared: our own queue, nobody else's
    env = {
        **os.environ, **world.environment(REPO, airflow_home=home / "airflow"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": urlunsplit(metadata._replace(scheme="postgresql+psycopg2")),
        "AIRFLOW__CELERY__BROKER_URL": REDIS,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + urlunsplit(metadata._replace(scheme="postgresql")),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{LOGIN[0]}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "sandbox.world.processes.worker_hostname",
        # Only the triggered run: unpausing would otherwise also schedule today, which nothing simulated.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }
    logs = home / "logs"
    started = []
    try:
        for argv in (["airflow", "db", "migrate"],
                     ["sandbox", "simulate", "--date", FEED_DATE, "--bad-row-rate", "0.005", "--missing-feeds", "1"]):
            done = subprocess.run([sys.executable, "-m", *argv], env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-3000:]
        components = {"api-server": ["api-server", "--port", str(port)], "scheduler": ["scheduler"],
                      "dag-processor": ["dag-processor"]}
        components |= {name: ["celery", "worker", "--queues", queue, "--concurrency", "2",
                              "--celery-hostname", f"{name}@%h"] for name in WORKERS}
        for name, args in components.items():
            started.append(processes.spawn([sys.executable, "-m", "airflow", *args], log=logs / f"{name}.log",
                                           env={**env, processes.WORKER_NAME_ENV: name}))
        yield AirflowAPI.wait_for(f"http://127.0.0.1:{port}", *LOGIN), logs
    finally:
        for proc in started:
            processes.stop_pid(proc.pid, timeout=30)
        stack.down(home / "world")
        for name in DATABASES:
            _database(name, create=False)
    assert all(proc.poll() is not None for proc in started)


def test_a_day_runs_on_two_celery_workers(celery_airflow):
    api, logs = celery_airflow
    api.wait_for_dag(DAG_ID)
    api.unpause(DAG_ID)
    run_id = api.trigger(DAG_ID, {"feed_date": FEED_DATE})
    state = api.wait_for_run(DAG_ID, run_id, timeout=900)
    assert state == "success", (api.failed_tasks(DAG_ID, run_id), _tails(logs))
    by_worker = api.tasks_by_worker(DAG_ID, run_id)
    for worker, tasks in sorted(by_worker.items()):
        print(f"{worker}: {len(tasks)} tasks: {', '.join(sorted(tasks))}")
    assert set(by_worker) == set(WORKERS), by_worker


def _tails(logs: Path) -> str:
    return "\n".join(f"== {path.name}\n{path.read_text()[-1500:]}" for path in sorted(logs.glob("*.log")))
