"""Landings under the real scheduler, dag-processor and triggerer: the landing queue's watcher turns what lands in
the landing bucket into runs of the landing DAG, which records each object once in ops.landings and emits one
partitioned asset event per day. A message delivered again records and emits nothing; a quiet period costs SQS
polls only, no S3 listing, and creates no run.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sandbox.world import stack
from tests.support import landing_queue
from tests.support.airflow_services import running
from tests.support.landing import REFERENCE_DAY, D, put, put_reference
from top_items import settings
from top_items.landing import clock
from top_items.landing.events import FEED, REFERENCE
from top_items.landing.watcher import LANDED, LANDING_EVENTS, POLL_SECONDS

pytestmark = pytest.mark.timeout(900)

DAG = "landing"
STORES = ("S0001", "S0002")
S3_REQUEST = re.compile(r'"(GET|PUT|HEAD|DELETE|POST) /(?!\s|HTTP)')  # S3 paths name a bucket; SQS posts to "/"
SQS_REQUEST = re.compile(r'"POST / HTTP')


@pytest.fixture
def sqs(world, s3):
    return stack.sqs_client(world)  # the s3 fixture left the queue empty


@pytest.fixture
def services(world, warehouse, s3, sqs, tmp_path):
    # The landing side's clock reads the evening of D: no day is past its cutoff, so nothing is announced ready.
    evening = datetime.combine(date.fromisoformat(D), datetime.min.time(), timezone.utc) + timedelta(hours=20)
    env = {f"AIRFLOW_VAR_{settings.LANDING_CLOCK_VARIABLE.upper()}": clock.setting(evening)}
    with running(world, tmp_path / "airflow", (DAG,), parallelism=4, triggerer=True, env=env) as started:
        yield started


def moto_requests(world, since: int) -> list[str]:
    return (Path(world.world_dir) / "moto.log").read_text(errors="replace")[since:].splitlines()


def partition_events(services, asset) -> list[str]:
    return sorted(key for (key,) in services.query(
        "select e.partition_key from asset_event e join asset a on a.id = e.asset_id where a.name = %s",
        (asset.name,)))


def landings(warehouse) -> list[tuple[str, str, str]]:
    return warehouse.execute("select kind, day::text, key from ops.landings order by key").fetchall()


def test_landings_become_records_and_partitioned_events_once_each(services, world, warehouse, s3, sqs):
    services.wait_for_watcher()
    since = (Path(world.world_dir) / "moto.log").stat().st_size
    quiet_started = time.monotonic()
    time.sleep(4 * POLL_SECONDS)  # a quiet period: nothing lands
    quiet = moto_requests(world, since)
    assert len([line for line in quiet if SQS_REQUEST.search(line)]) >= 2  # the watcher did poll the queue
    assert [line for line in quiet if S3_REQUEST.search(line)] == []  # and never listed (or read) the bucket
    assert services.query("select dag_id, run_id from dag_run") == []

    for store in STORES:
        put(s3, settings.feed_key(D, store), "store_id,sku_id,remaining_qty,reported_at\n")
    put_reference(s3, REFERENCE_DAY)
    landed = time.monotonic()
    expected = sorted([(FEED, D, settings.feed_key(D, store)) for store in STORES]
                      + [(REFERENCE, REFERENCE_DAY, settings.reference_key(table, REFERENCE_DAY))
                         for table in settings.REFERENCE_TABLES], key=lambda row: row[2])
    services.until(lambda: landings(warehouse) == expected, 180, f"not recorded: {landings(warehouse)}")
    runs = services.wait_for_runs(DAG, 1, timeout=120)
    print(f"recorded {len(expected)} landings {time.monotonic() - landed:.1f}s after they landed "
          f"(quiet period {landed - quiet_started:.0f}s)")
    assert {run.state for run in runs} == {"success"}
    assert partition_events(services, LANDED[FEED]) == [D] * len(partition_events(services, LANDED[FEED]))
    assert partition_events(services, LANDED[REFERENCE]) == \
        [REFERENCE_DAY] * len(partition_events(services, LANDED[REFERENCE]))
    announced = {kind: partition_events(services, LANDED[kind]) for kind in (FEED, REFERENCE)}
    assert announced[FEED] and announced[REFERENCE]

    # Every message the watcher delivered, sent again: S3's delivery is at least once.
    bodies = [message["Body"] for (extra,) in services.query(
        "select e.extra from asset_event e join asset a on a.id = e.asset_id where a.name = %s",
        (LANDING_EVENTS.name,)) for message in (extra if isinstance(extra, dict) else json.loads(extra))
        ["payload"]["message_batch"]]
    assert len(bodies) == len(expected)
    landing_queue.send(sqs, landing_queue.url(world), bodies)
    runs = services.wait_for_runs(DAG, len(runs) + 1, timeout=180)
    assert {run.state for run in runs} == {"success"}
    assert landings(warehouse) == expected
    assert {kind: partition_events(services, LANDED[kind]) for kind in (FEED, REFERENCE)} == announced
    last = runs[-1][0]
    assert {task: state for run_id, task, state, *_ in services.task_instances(DAG) if run_id == last} == \
        {"record_landings": "success", f"announce_{FEED}": "skipped", f"announce_{REFERENCE}": "skipped",
         "load_reference_snapshots": "success", "announce_ready_days": "skipped"}
    assert [dag for (dag,) in services.query("select distinct dag_id from dag_run")] == [DAG]
