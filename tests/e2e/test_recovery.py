"""Recovery without a person, the whole pipeline: a good day, a day Salesforce refuses every record (an admin's
validation rule: the run fails, one alert to its owner), then the next day with the rule lifted: the run succeeds
with no override, every destination holds its export, and the owner, by email, only hears of the recovery."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.mocks.control import MockControl
from sandbox.simulate.publish import write_day
from tests.support.dags import run_dag
from tests.support.destinations import alert_emails, assert_destination_equals_export
from tests.support.failure_stories import BAD_DAY, GOOD_DAY, SPEC
from top_items.registry import consumer

pytestmark = pytest.mark.timeout(900)

NEXT_DAY = "2026-11-26"


def test_the_day_after_salesforce_refused_everything_converges_and_pages_only_the_recovery(
        after_a_good_day, s3, destinations, warehouse):
    salesforce = MockControl.from_connection(destinations.services["salesforce"])
    held = destinations.salesforce_records()
    stores, skus = {r["Store_Id__c"] for r in held}, {r["Sku_Id__c"] for r in held}
    salesforce.fault(kind="reject_records", keys=[f"{s}:{k}" for s in stores for k in skus],
                     error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Top items need a review")

    assert run_dag("top_items_pipeline", BAD_DAY).state == "failed"
    alerts = alert_emails(destinations)  # a failed push is its owner's to hear, on their route
    assert len(alerts) == 1 and alerts[0]["task_id"] == "push_salesforce", [a["summary"] for a in alerts]
    assert alerts[0]["to"] == [consumer("salesforce").owner] and destinations.alerts() == []
    # every upsert refused (a validation rule does not stop deletes): no record carries the refused day
    assert {r["Feed_Date__c"] for r in destinations.salesforce_records()} == {GOOD_DAY}

    salesforce.http.delete(f"{salesforce.url}/__mock/faults", timeout=10).raise_for_status()  # the rule is lifted
    write_day(s3, SPEC, date.fromisoformat(NEXT_DAY))
    assert run_dag("top_items_pipeline", NEXT_DAY).state == "success"  # no override_volume_guard

    for name in ("salesforce", "crm"):
        assert_destination_equals_export(warehouse, name, NEXT_DAY)
    assert destinations.latest()["feed_date"] == NEXT_DAY
    outcome, detail = warehouse.execute(
        "select outcome, detail from ops.sync_runs where consumer = 'salesforce' and feed_date = %s "
        "order by sync_run_id desc limit 1", (NEXT_DAY,)).fetchone()
    assert outcome == "success" and "override" not in (detail or "")
    failure, *rest = alert_emails(destinations)
    assert failure == alerts[0] and [(a["event"], a["task_id"]) for a in rest] == [("recovery", "push_salesforce")]
