"""Override owners are warned before expiry and paged once after it, through the live pager mock."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.mocks.control import MockControl
from top_items import alerts, settings
from top_items.override_notices import send_due
from top_items.overrides import Override, add


@pytest.fixture
def pager(world):
    control = MockControl.from_connection(world.services[settings.PAGER_CONN_ID])
    control.reset()
    spec = world.services[settings.PAGER_CONN_ID]

    def received() -> list[dict]:
        response = control.session().get(f"{spec['host']}/alerts", timeout=10,
                                          headers={"Authorization": f"Bearer {spec['password']}"})
        return [alert["payload"] for alert in response.json()["alerts"]]

    control.received = received
    return control


def test_warned_once_within_the_window_and_paged_once_after_expiry_whatever_runs_follow(warehouse, pager):
    add(warehouse, Override("am-1", "suppress", "K1", owner="am@example.com", reason="hot fix",
                            created=date(2026, 11, 1), expires=date(2026, 12, 1), market_id="M01"))

    sent = {day: [(n.override_id, n.notice) for n in send_due(warehouse, day, f"run-{day}", alerts.post_alert)]
            for day in ("2026-11-16", "2026-11-17", "2026-11-18", "2026-11-30", "2026-12-01", "2026-12-02")}
    send_due(warehouse, "2026-12-01", "rerun", alerts.post_alert)  # a re-run of the day pages nobody again
    send_due(warehouse, "2026-11-20", "backfill", alerts.post_alert)  # nor does a backfill of an earlier day

    assert sent == {"2026-11-16": [], "2026-11-17": [("am-1", "expiring")], "2026-11-18": [], "2026-11-30": [],
                    "2026-12-01": [("am-1", "expired")], "2026-12-02": []}
    received = pager.received()
    assert [(a["override_id"], a["notice"], a["owner"]) for a in received] == [
        ("am-1", "expiring", "am@example.com"), ("am-1", "expired", "am@example.com")]
    assert [a["dedup_key"] for a in received] == ["override/am-1/expiring", "override/am-1/expired"]


def test_a_notice_the_pager_refused_is_not_recorded_and_the_retry_sends_it(warehouse, pager):
    add(warehouse, Override("am-2", "suppress", "K1", owner="am@example.com", reason="hot fix",
                            created=date(2026, 11, 1), expires=date(2026, 11, 20), store_id="S0001"))
    pager.fault(kind="http_status", status=503, path="/alerts", count=1)

    with pytest.raises(RuntimeError, match="503"):
        send_due(warehouse, "2026-11-25", "try-1", alerts.post_alert)
    assert warehouse.execute("select count(*) from ops.override_notices").fetchone()[0] == 0
    retried = send_due(warehouse, "2026-11-25", "try-2", alerts.post_alert)

    assert [(n.override_id, n.notice) for n in retried] == [("am-2", "expired")]
    assert [a["dedup_key"] for a in pager.received()] == ["override/am-2/expired"]
