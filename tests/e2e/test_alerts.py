"""Alerts go through an Airflow Notifier, on real routes read back where they arrived (the pager mock's alerts, the
SMTP sink's mail): a broken input alerts the on-call and its producer, once each; a failed push alerts its owner
alone; the next run in which the task succeeds tells the same people it recovered, naming the incident, and
closes it; a route that is down then fails nothing, and its recipients alone are told at the next success."""

from __future__ import annotations

import pytest

from sandbox.mocks.control import MockControl
from tests.e2e.test_failure_stories import FEEDS, move_feeds
from tests.support.dags import run_dag
from tests.support.destinations import alert_emails
from tests.support.failure_stories import BAD_DAY, assert_nothing_reached_a_consumer
from top_items import readiness, settings
from top_items.registry import consumer, producer

pytestmark = pytest.mark.timeout(900)


def test_a_broken_input_tells_the_on_call_and_its_producer_once_each_and_both_of_its_recovery(
        after_a_good_day, s3, destinations):
    moved = f"late/feed_date={BAD_DAY}/"
    move_feeds(s3, BAD_DAY, moved)  # the feeds are late: today's files are not there yet
    assert run_dag("top_items_pipeline", BAD_DAY).state == "failed"
    incident = assert_nothing_reached_a_consumer(destinations, after_a_good_day, "no inventory feed files",
                                                 "ingest_inventory_feeds", FEEDS)
    feeds = producer(FEEDS[0]).owner

    s3_prefix = settings.feed_prefix(BAD_DAY)
    for item in s3.list_objects_v2(Bucket=settings.LANDING_BUCKET, Prefix=moved)["Contents"]:  # they arrive
        s3.copy_object(Bucket=settings.LANDING_BUCKET, Key=item["Key"].replace(moved, s3_prefix),
                       CopySource={"Bucket": settings.LANDING_BUCKET, "Key": item["Key"]})
    pager = MockControl.from_connection(destinations.services[settings.PAGER_CONN_ID])
    pager.fault(kind="http_status", status=503, match={"path": "^/alerts$", "method": "POST"}, count=1)
    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"  # the pager is down: the run is not
    assert destinations.alerts() == [incident]  # and the incident stays open for the on-call, for the next success
    assert [m["event"] for m in alert_emails(destinations, to=feeds)] == ["failure", "recovery"]  # mail got through

    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"
    failure, recovery = destinations.alerts()  # every other task succeeded with no incident open: nothing more
    assert failure == incident
    assert (recovery["event"], recovery["task_id"], recovery["severity"]) == ("recovery", "ingest_inventory_feeds",
                                                                               "info")
    assert recovery["resolves"] == incident["dedup_key"] and recovery["run_id"] != incident["run_id"]
    assert "recovered" in recovery["summary"] and recovery["incident"]["cause"] == incident["cause"]
    assert [r["name"] for r in recovery["to"]] == ["on-call"]  # the producer had been told already
    mail = alert_emails(destinations)
    assert [(m["to"], m["event"]) for m in mail] == [([feeds], "failure"), ([feeds], "recovery")]  # not twice
    assert mail[1]["dedup_key"] == incident["dedup_key"] and "recovered" in mail[1]["summary"]

    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"  # the incident is closed: no second recovery
    assert len(destinations.alerts()) == 2 and len(alert_emails(destinations)) == 2


def test_a_failed_push_tells_its_owner_alone_on_their_route_and_that_is_the_evidence_readiness_reads(
        after_a_good_day, destinations, warehouse):
    salesforce = MockControl.from_connection(destinations.services[consumer("salesforce").connection])
    held = destinations.salesforce_records()
    stores, skus = {r["Store_Id__c"] for r in held}, {r["Sku_Id__c"] for r in held}
    salesforce.fault(kind="reject_records", keys=[f"{s}:{k}" for s in stores for k in skus],
                     error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Top items need a review")
    assert readiness.assess(consumer("salesforce"), warehouse)["alert route"] is False  # never alerted yet

    assert run_dag("top_items_pipeline", BAD_DAY).state == "failed"

    owner = consumer("salesforce").owner
    assert destinations.alerts() == []  # not the on-call's: nothing of ours is broken
    [told] = alert_emails(destinations)
    assert (told["to"], told["task_id"], told["event"]) == ([owner], "push_salesforce", "failure")
    assert "rejected" in told["text"] and told["feed_date"] == BAD_DAY
    assert readiness.assess(consumer("salesforce"), warehouse)["alert route"] is True
    assert readiness.assess(consumer("crm"), warehouse)["alert route"] is False  # its owner's route never carried one

    salesforce.http.delete(f"{salesforce.url}/__mock/faults", timeout=10).raise_for_status()  # the rule is lifted
    assert run_dag("top_items_pipeline", BAD_DAY).state == "success"
    assert [(m["to"], m["event"]) for m in alert_emails(destinations)] == [([owner], "failure"), ([owner], "recovery")]
    assert destinations.alerts() == []
