"""Alerts go through an Airflow Notifier: a task's final failure pages once and opens an incident; the next run in
which that task succeeds pages its recovery, naming the incident, and closes it; a pager that is down then fails
nothing and leaves the incident open."""

from __future__ import annotations

import pytest

from sandbox.mocks.control import MockControl
from tests.e2e.test_failure_stories import move_feeds
from tests.support.dags import run_dag
from tests.support.failure_stories import BAD_DAY, assert_nothing_reached_a_consumer
from top_items import settings

pytestmark = pytest.mark.timeout(900)


def test_a_failed_task_pages_its_recovery_once_a_later_run_succeeds(after_a_good_day, s3, destinations):
    moved = f"late/feed_date={BAD_DAY}/"
    move_feeds(s3, BAD_DAY, moved)  # the feeds are late: today's files are not there yet
    assert run_dag("top_items_pipeline", BAD_DAY).state == "failed"
    incident = assert_nothing_reached_a_consumer(destinations, after_a_good_day, "no inventory feed files",
                                                 "ingest_inventory_feeds")

    s3_prefix = settings.feed_prefix(BAD_DAY)
    for item in s3.list_objects_v2(Bucket=settings.LANDING_BUCKET, Prefix=moved)["Contents"]:  # they arrive
        s3.copy_object(Bucket=settings.LANDING_BUCKET, Key=item["Key"].replace(moved, s3_prefix),
                       CopySource={"Bucket": settings.LANDING_BUCKET, "Key": item["Key"]})
    pager = MockControl.from_connection(destinations.services[settings.PAGER_CONN_ID])
    pager.fault(kind="http_status", status=503, match={"path": "^/alerts$", "method": "POST"}, count=1)
    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"  # the pager is down: the run is not
    assert destinations.alerts() == [incident]  # and the incident stays open, for the next success to close

    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"
    failure, recovery = destinations.alerts()  # every other task succeeded with no incident open: nothing more
    assert failure == incident
    assert (recovery["event"], recovery["task_id"], recovery["severity"]) == ("recovery", "ingest_inventory_feeds",
                                                                               "info")
    assert recovery["resolves"] == incident["dedup_key"] and recovery["run_id"] != incident["run_id"]
    assert "recovered" in recovery["summary"] and recovery["incident"]["cause"] == incident["cause"]

    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"  # the incident is closed: no second recovery
    assert len(destinations.alerts()) == 2
