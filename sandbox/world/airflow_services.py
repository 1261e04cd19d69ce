"""Airflow's own services on a world: scheduler, dag-processor and api-server, with LocalExecutor and the
metadata in a Postgres database of the world's server, so runs are scheduled, overlap and retry as in production.
The end-to-end tests and ``make demo`` run on them.

Scheduled runs are switched off (``use_job_schedule``): the caller creates every run itself, as a backfill or a
manual trigger, so no run of "today" appears with no data behind it. ``triggerer=True`` also starts the triggerer
(which runs the asset watchers) and switches scheduling on, so an asset event creates the runs it schedules; every
DAG stays paused until the caller unpauses it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import psycopg

from sandbox.world import airflow_users, processes, warehouse

TERMINAL = ("success", "failed")


class Run(NamedTuple):
    run_id: str
    run_type: str
    state: str
    partition_key: str | None


class AirflowServices:
    def __init__(self, world, home: Path, *, database: str = "airflow_services", parallelism: int = 8,
                 triggerer: bool = False, env: dict[str, str] | None = None):
        self.home = home
        self.triggerer = triggerer
        self.port = processes.free_port()
        server = urlsplit(warehouse.normalize_uri(world.warehouse_uri))
        name = database
        self.metadata_uri = urlunsplit((server.scheme, server.netloc, f"/{name}", "", ""))
        admin = urlunsplit((server.scheme, server.netloc, "/postgres", "", ""))
        with psycopg.connect(admin, autocommit=True) as conn:  # a shared server keeps the last run's metadata
            conn.execute(f'drop database if exists "{name}" with (force)')
        warehouse.ensure_database(admin, name)
        self.env = {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_uri.replace("postgresql://", "postgresql+psycopg2://"),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API_AUTH__JWT_SECRET": "simulated-world-only-jwt-secret",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(triggerer),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            airflow_users.USERS_SETTING: airflow_users.users_setting(),
            **(env or {}),
        }
        self.pids: list[int] = []

    def airflow(self, *args: str, check: bool = True, module: str = "airflow") -> subprocess.CompletedProcess:
        """``python -m airflow ...`` (or another module's command line) against these services."""
        result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                                env={**__import__("os").environ, **self.env}, timeout=300)
        if check and result.returncode != 0:
            raise RuntimeError(f"{module} {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return result

    def start(self) -> AirflowServices:
        self.airflow("db", "migrate")
        components = [("api-server", ("api-server", "--port", str(self.port))), ("scheduler", ("scheduler",)),
                      ("dag-processor", ("dag-processor",))]
        if self.triggerer:
            components.append(("triggerer", ("triggerer",)))
        for name, args in components:
            process = processes.spawn([sys.executable, "-m", "airflow", *args], log=self.home / f"{name}.log",
                                      env=self.env)
            self.pids.append(process.pid)
        processes.wait_for_port("127.0.0.1", self.port, timeout=120)
        return self

    def stop(self) -> None:
        for pid in reversed(self.pids):
            processes.stop_pid(pid, timeout=20)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.metadata_uri, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        self.until(lambda: self.query("select 1 from dag where dag_id = %s and not is_stale", (dag_id,)),
                    timeout, f"the dag-processor did not parse {dag_id}")
        self.airflow("dags", "unpause", dag_id)

    def watching(self) -> bool:
        """Whether a triggerer runs the asset watchers' triggers."""
        return bool(self.query("select 1 from trigger t join asset_watcher w on w.trigger_id = t.id "
                               "where t.triggerer_id is not null"))

    def wait_for_watcher(self, timeout: float = 120) -> None:
        self.until(self.watching, timeout, "the triggerer did not pick up the asset watchers")

    def runs(self, dag_id: str) -> list[Run]:
        """Every run of the DAG, in the order they were created."""
        return [Run(*row) for row in self.query(
            "select run_id, run_type, state, partition_key from dag_run where dag_id = %s order by id", (dag_id,))]

    def wait_for_runs(self, dag_id: str, count: int, timeout: float) -> list[Run]:
        """Every run of the DAG once there are at least ``count`` and all of them have finished."""
        def done():
            runs = self.runs(dag_id)
            return runs if len(runs) >= count and all(run.state in TERMINAL for run in runs) else None

        return self.until(done, timeout, f"{count} runs of {dag_id} did not finish: {self.runs(dag_id)}")

    def task_instances(self, dag_id: str) -> list[tuple]:
        """(run_id, task_id, state, try_number, start_date, end_date) of every task instance of the DAG."""
        return self.query("select run_id, task_id, state, try_number, start_date, end_date from task_instance "
                          "where dag_id = %s", (dag_id,))

    def logs(self) -> str:
        return "\n".join(f"== {path.name}\n{path.read_text()[-3000:]}" for path in sorted(self.home.glob("*.log")))

    @staticmethod
    def until(probe, timeout: float, message: str):
        """What ``probe`` returns once truthy, polled every 2 s; TimeoutError with ``message`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(2)
        raise TimeoutError(message)


@contextmanager
def running(world, home: Path, dags: tuple[str, ...], **options) -> Iterator[AirflowServices]:
    """The services started, each of ``dags`` parsed and unpaused; their logs printed when the caller fails."""
    services = AirflowServices(world, home, **options).start()
    try:
        for dag_id in dags:
            services.wait_for_dag(dag_id)
        yield services
    except BaseException:
        print(services.logs())
        raise
    finally:
        services.stop()
