"""Runs under the real scheduler (scheduler, dag-processor, api-server; LocalExecutor; metadata on Postgres).

A backfill of five days (``python -m top_items backfill``: one run per day), on 4 worker slots as `make ui` runs
Airflow, runs them side by side while a manual run
asks for a day that is already running: the manual run waits for it (a lock, not a retry), nothing errs or
retries, and no day reads another's tables. The fifth day is a replay of the fourth (a stale feed): it alone is
stopped, with one alert, and reaches nobody.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from sandbox.simulate.catalog import WorldSpec
from sandbox.simulate.publish import write_day
from tests.support.airflow_services import running
from tests.support.producers import replay_feeds
from top_items import backfill, settings

pytestmark = pytest.mark.timeout(1500)

DAG = settings.PIPELINE_DAG_ID
SPEC = WorldSpec(stores=8, skus=80, days=90)
DAYS = [(date(2026, 11, 21) + timedelta(days=n)).isoformat() for n in range(5)]
STALE_DAY = DAYS[-1]
DOUBLED_DAY = DAYS[2]


@pytest.fixture
def services(world, warehouse, s3, destinations, tmp_path):
    with running(world, tmp_path / "airflow", (DAG,), parallelism=4) as started:  # as `make ui` runs it
        yield started


def _backfill_run_of(services, day: str) -> str | None:
    rows = services.query("select run_id from dag_run where dag_id = %s and run_id like %s and partition_key = %s",
                          (DAG, f"{backfill.RUN_ID_PREFIX}%", day))
    return rows[0][0] if rows else None


def _claimed(services, run_id: str) -> bool:
    return bool(services.query("select 1 from task_instance where dag_id = %s and run_id = %s "
                               "and task_id = 'claim_feed_date' and state = 'success'", (DAG, run_id)))


def test_a_backfill_runs_days_side_by_side_and_a_second_run_of_a_day_waits(services, warehouse, s3, destinations):
    for day in DAYS:
        write_day(s3, SPEC, date.fromisoformat(day))
    replay_feeds(s3, DAYS[-2], STALE_DAY, shift_timestamps=True)

    services.airflow("backfill", "--from", DAYS[0], "--to", DAYS[-1], module="top_items")
    holder = services.until(lambda: (run := _backfill_run_of(services, DOUBLED_DAY)) and _claimed(services, run)
                            and run, 600, f"the backfill run of {DOUBLED_DAY} never claimed its day")
    services.airflow("dags", "trigger", DAG, "--run-id", "manual__second_run",
                     "--conf", json.dumps({"feed_date": DOUBLED_DAY}))
    runs = services.wait_for_runs(DAG, len(DAYS) + 1, timeout=1200)

    states = {run.run_id: run.state for run in runs}
    stale_run = _backfill_run_of(services, STALE_DAY)
    instances = services.task_instances(DAG)
    failed = [(run_id, task, state) for run_id, task, state, *_ in instances if state == "failed"]
    assert states.pop(stale_run) == "failed", (failed, [alert["cause"] for alert in destinations.alerts()])
    assert set(states.values()) == {"success"}, (failed, [alert["cause"] for alert in destinations.alerts()])
    assert [(r, t, n) for r, t, _, n, _, _ in instances if n > 1] == []  # no error anywhere needed a retry
    by_task = {(run_id, task): (start, end) for run_id, task, _, _, start, end in instances}
    # The second run of the day did its work only after the first one had finished with it.
    assert by_task[("manual__second_run", "load_reference_snapshots")][0] >= \
        by_task[(holder, "run_summary")][0]
    backfill = [(start, end) for (run_id, task), (start, end) in by_task.items()
                if task == "setup_warehouse" and run_id != "manual__second_run"]
    summaries = [end for (run_id, task), (_, end) in by_task.items() if task == "run_summary"]
    assert max(start for start, _ in backfill) < min(summaries)  # every day had started before any finished

    alerts = destinations.alerts()
    assert len(alerts) == 1 and alerts[0]["task_id"] == "gate_raw" and alerts[0]["feed_date"] == STALE_DAY
    assert "stale stores" in alerts[0]["cause"]
    assert destinations.latest()["feed_date"] == DAYS[-2]
    pushed = {row[0] for row in destinations.salesforce()}
    exported = {key for (key,) in warehouse.execute(
        "select top_item_key from exports.exp_top_items_salesforce where feed_date = %s", (DAYS[-2],))}
    assert pushed == exported  # the newest good day, exactly: the stale day reached nobody
    published = [str(day) for (day,) in warehouse.execute(
        "select distinct feed_date from marts.store_missing_top_items order by 1")]
    assert published == DAYS[:-1]
    assert warehouse.execute("select count(*) from ops.day_claims").fetchone()[0] == 0
    assert warehouse.execute("select count(*) from pg_namespace where nspname like 'build\\_%'").fetchone()[0] == 0
