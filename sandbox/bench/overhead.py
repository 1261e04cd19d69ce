"""Airflow's fixed costs: parsing the DAG file, a task's start-up (imports and hooks), and a tiny day's whole run.

Each is measured in a fresh interpreter, as Airflow pays it: the DAG processor parses the file again and again,
and every task runs in a process of its own.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

from top_items import settings

log = logging.getLogger(__name__)

# Modules that cost tens of milliseconds or more to import; the DAG file must not need any of them to be parsed
# (beyond what Airflow and the operators the DAG uses import anyway). Two are needed and so not listed: sqlglot, as
# the DAG's shape is read from the models' SQL (transform/models.py), and boto3 with requests, which the Amazon
# provider imports to handle the s3:// asset URIs.
HEAVY = ("pandas", "numpy", "soda_core", "psycopg", "psycopg2", "simple_salesforce", "hubspot", "sqlparse",
         "openlineage")
PARSE = """
import json, runpy, sys, time
started = time.monotonic()
import airflow.sdk
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
airflow_ready, airflows_own = time.monotonic(), set(sys.modules)
runpy.run_path({dag!r})
done = time.monotonic()
ours = set(sys.modules) - airflows_own
print(json.dumps({{"airflow_imports": airflow_ready - started, "dag_file": done - airflow_ready,
                  "heavy_modules": sorted(m for m in {heavy!r} if m in ours)}}))
"""
# What each kind of task imports and builds before its work starts (the functions in top_items.tasks).
TASK_STARTS = {
    "ingest": "from top_items.ingest.feeds import load_inventory_feeds; from top_items.connections import s3_client, "
              "warehouse_connection; s3_client(); warehouse_connection().close()",
    "build_model": "from top_items.transform.build import build; from top_items.connections import "
                   "warehouse_connection; warehouse_connection().close()",
    "quality_gate": "from top_items.quality import run_gate; from top_items.quality import soda; "
                    "from top_items.connections import warehouse_connection; warehouse_connection().close()",
    "push": "from top_items.activation.engine import sync_consumer; from top_items.activation import destinations; "
            "from top_items.registry import consumers; [destinations.build(c) for c in consumers().values()]",
}
START = """
import json, time
import airflow.sdk  # a task's process has Airflow loaded already: only what the task adds is timed
started = time.monotonic()
import top_items.tasks
{body}
print(json.dumps({{"seconds": time.monotonic() - started}}))
"""


def _python(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_once(env: dict[str, str]) -> dict:
    """The DAG file parsed in a fresh interpreter: seconds, and the heavy modules it needed beyond Airflow's own."""
    return _python(PARSE.format(dag=str(settings.REPO_ROOT / "dags" / "top_items_pipeline.py"), heavy=HEAVY), env)


def parse_and_start(env: dict[str, str], rounds: int = 3) -> dict:
    """Median of ``rounds`` fresh interpreters for the DAG file's parse and each kind of task's start-up."""
    parse = [parse_once(env) for _ in range(rounds)]
    result = {
        "airflow_imports_seconds": round(sorted(p["airflow_imports"] for p in parse)[rounds // 2], 3),
        "dag_file_seconds": round(sorted(p["dag_file"] for p in parse)[rounds // 2], 3),
        "heavy_modules_at_parse": parse[0]["heavy_modules"],
        "task_start_seconds": {},
    }
    for task, body in TASK_STARTS.items():
        runs = [_python(START.format(body=body), env)["seconds"] for _ in range(rounds)]
        result["task_start_seconds"][task] = round(sorted(runs)[rounds // 2], 3)
    return result


def tiny_run(env: dict[str, str], feed_date: str, stores: int = 5) -> dict:
    """``airflow dags test`` of a day with a handful of stores: what a run costs before its data does."""
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True, env=env)
    subprocess.run([sys.executable, "-m", "top_items", "simulate", "--date", feed_date, "--stores", str(stores)],
                   check=True, capture_output=True, env=env)
    started = time.monotonic()
    run = subprocess.run([airflow, "dags", "test", "top_items_pipeline", feed_date], capture_output=True, text=True,
                         env=env)
    took = round(time.monotonic() - started, 1)
    failed = run.returncode != 0 or "state=failed" in run.stdout + run.stderr
    tasks = (run.stdout + run.stderr).count("Task instance in success state") or None
    return {"stores": stores, "seconds": took, "succeeded": not failed, "tasks_succeeded": tasks}
