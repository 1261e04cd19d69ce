"""Freshness promises judged on the warehouse, with real deliveries to the world's pager and SMTP sink: kept by a
push in time; missed pages the owner once, naming the missing step, even when nothing landed at all; not paged
again when the owner already heard of that day's failure; the push that follows notes the recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox.consumers import Destinations
from tests.support.destinations import alert_sinks
from tests.support.landing_records import land, land_references, snapshot
from top_items import audience
from top_items.activation import freshness
from top_items.activation.promises import parse
from top_items.alert_routes import deliver
from top_items.alerts import FAILURE, addressed
from top_items.landing import days

pytestmark = pytest.mark.timeout(120)

D = "2026-11-25"
APP = parse("retailer_app", "06:00")  # as consumers.yml declares it
DUE = days.day_end(D).replace(hour=APP.hour, minute=APP.minute)
STORES = ["S0001", "S0002"]


@pytest.fixture
def destinations(world) -> Destinations:
    return alert_sinks(world)


@pytest.fixture
def conn(warehouse, destinations):
    snapshot(warehouse, "2026-11-20", STORES)
    return warehouse


def pushed(conn, consumer: str, day: str, finished_at, outcome: str = "success") -> None:
    conn.execute("insert into ops.sync_runs (run_id, consumer, destination, feed_date, outcome, finished_at) "
                 "values ('r', %s, 'x', %s, %s, %s)", (consumer, day, outcome, finished_at))


def verdict(conn, consumer: str = "retailer_app") -> dict:
    return next(v for v in freshness.judge(conn, DUE) if v["consumer"] == consumer)


def app_alerts(destinations) -> list[dict]:
    return [alert for alert in destinations.alerts() if alert.get("event", "").startswith("freshness")]


def test_a_push_in_time_keeps_the_promise_and_pages_nobody(conn, destinations):
    pushed(conn, "retailer_app", D, DUE - timedelta(minutes=5))
    assert verdict(conn)["kept"] is True
    assert app_alerts(destinations) == []
    assert [v for v in freshness.judge(conn, DUE) if v["consumer"] == "retailer_app"] == []  # judged once


def test_nothing_landed_pages_the_owner_once_naming_the_missing_stores(conn, destinations):
    found = verdict(conn)
    assert found["kept"] is False and found["detail"].startswith(f"feed date {D} is not ready")
    assert "0 of 2 stores landed; missing S0001, S0002" in found["detail"]
    [alert] = app_alerts(destinations)  # the retailer app's owner is on the pager
    assert alert["feed_date"] == D and "retailer_app is not fresh" in alert["summary"]
    assert freshness.judge(conn, DUE + timedelta(minutes=30)) == []  # the same due instant: never paged twice


def test_a_day_before_the_first_store_master_is_not_judged(warehouse, destinations):
    snapshot(warehouse, D, STORES)  # the product's first day is D: the promise for the day before never applied
    assert [v for v in freshness.judge(warehouse, DUE - timedelta(days=1)) if v["consumer"] == "retailer_app"] == []
    assert verdict(warehouse)["kept"] is False  # from D on, it does
    assert len(app_alerts(destinations)) == 1


def test_a_day_ready_but_not_pushed_names_the_push(conn, destinations):
    land_references(conn, D)
    land(conn, STORES, D)
    days.after_landings(conn, {D: STORES}, [D], DUE - timedelta(hours=2))
    assert verdict(conn)["detail"] == f"feed date {D} is ready, but its run has not pushed to retailer_app yet"


def test_an_owner_who_heard_of_the_days_failure_is_not_paged_again_and_hears_of_the_recovery(conn, destinations):
    owner = audience.owner("retailer_app")
    failure = {"summary": "push_retailer_app failed", "event": FAILURE, "feed_date": D, "dedup_key": "run/push"}
    deliver(addressed(failure, [owner]), [owner], conn)
    found = verdict(conn)
    assert (found["kept"], found["paged_as"]) == (False, "run/push")
    assert app_alerts(destinations) == []  # one incident, one page

    assert freshness.note_recovery(conn, "retailer_app", D) == 1
    [recovered] = app_alerts(destinations)
    assert recovered["event"] == freshness.RECOVERED and "fresh again" in recovered["summary"]
    assert freshness.note_recovery(conn, "retailer_app", D) == 0  # noted once
    assert freshness.last_verdicts(conn)["retailer_app"]["recovered_at"] is not None
