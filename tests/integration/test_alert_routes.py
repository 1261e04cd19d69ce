"""Alert routes over real deliveries: the pager webhook and email through Airflow's SMTP provider to the world's
SMTP sink, each read back where it arrived, and every delivery's evidence in ops.alert_deliveries."""

from __future__ import annotations

import pytest

from sandbox.consumers import Destinations
from sandbox.mocks.control import MockControl
from sandbox.world.mock_connections import INBOX_CONN_ID
from tests.support.destinations import alert_sinks
from top_items import audience, settings
from top_items.alert_routes import DELIVERED, FAILED, ON_CALL_RECIPIENT, deliver, last_delivery
from top_items.alerts import send_test

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def destinations(world) -> Destinations:
    return alert_sinks(world)


def _alert(key: str) -> dict:
    return {"summary": f"[top_items_pipeline] gate_raw failed ({key})", "severity": "critical", "event": "failure",
            "task_id": "gate_raw", "feed_date": "2026-11-25", "cause": "raw.skus: rows -40% <vs> the previous day",
            "dedup_key": key}


def test_one_alert_reaches_each_recipient_once_on_their_route_and_each_delivery_is_recorded(warehouse, destinations):
    feeds, crm = audience.producer("store_feeds"), audience.owner("crm")
    outcome = deliver(_alert("k1"), [ON_CALL_RECIPIENT, feeds, crm, feeds], warehouse)

    assert outcome == {ON_CALL_RECIPIENT: None, feeds: None, crm: None}
    assert [a["dedup_key"] for a in destinations.alerts()] == ["k1"]  # the pager: once
    mail = destinations.emails()
    assert sorted(m["rcpt_tos"][0] for m in mail) == sorted([feeds.address, crm.address])  # one message each
    message = destinations.emails(to=feeds.address)[0]
    assert message["subject"] == _alert("k1")["summary"]
    assert message["headers"]["X-Top-Items-Dedup-Key"] == "k1" and message["headers"]["X-Top-Items-Task-Id"] == \
        "gate_raw"
    assert "rows -40% &lt;vs&gt; the previous day" in message["text"]  # the cause, as HTML
    assert {r: last_delivery(warehouse, r) for r in (ON_CALL_RECIPIENT, feeds, crm)} == dict.fromkeys(
        (ON_CALL_RECIPIENT, feeds, crm), DELIVERED)


def test_a_refused_mailbox_fails_only_its_own_delivery_and_the_evidence_says_so(warehouse, destinations, world):
    feeds, crm = audience.producer("store_feeds"), audience.owner("crm")
    sink = MockControl.from_connection(world.services[INBOX_CONN_ID])
    sink.fault(kind="reject_records", keys=[crm.address], match={"method": "RCPT"}, count=1)

    outcome = deliver(_alert("k2"), [feeds, crm], warehouse)

    assert outcome[feeds] is None and "SMTPRecipientsRefused" in outcome[crm]
    assert [m["rcpt_tos"] for m in destinations.emails()] == [[feeds.address]]
    assert (last_delivery(warehouse, feeds), last_delivery(warehouse, crm)) == (DELIVERED, FAILED)
    assert send_test(crm, warehouse) is None  # the mailbox takes mail again: the last delivery is the one that counts
    assert last_delivery(warehouse, crm) == DELIVERED


def test_a_pager_that_is_down_fails_the_pager_route_alone(warehouse, destinations, world):
    pager = MockControl.from_connection(world.services[settings.PAGER_CONN_ID])
    pager.fault(kind="http_status", status=503, match={"path": "^/alerts$", "method": "POST"}, count=1)
    feeds = audience.producer("store_feeds")

    outcome = deliver(_alert("k3"), [ON_CALL_RECIPIENT, feeds], warehouse)

    assert "503" in outcome[ON_CALL_RECIPIENT] and outcome[feeds] is None
    assert destinations.alerts() == [] and len(destinations.emails(to=feeds.address)) == 1
    assert last_delivery(warehouse, ON_CALL_RECIPIENT) == FAILED


def test_a_recipient_never_alerted_has_no_evidence(warehouse):
    assert last_delivery(warehouse, audience.owner("salesforce")) is None  # not even the table yet
    deliver(_alert("k4"), [audience.owner("crm")], warehouse)
    assert last_delivery(warehouse, audience.owner("salesforce")) is None


def test_the_readiness_bar_asks_for_the_owners_route_to_have_delivered(warehouse, destinations):
    from top_items import readiness
    from top_items.registry import consumer

    crm = consumer("crm")
    assert readiness.assess(crm, warehouse)["alert route"] is False  # never delivered
    assert send_test(audience.owner("crm"), warehouse) is None
    assert readiness.assess(crm, warehouse)["alert route"] is True
    assert [m["headers"]["X-Top-Items-Event"] for m in destinations.emails(to=crm.owner)] == ["test"]
