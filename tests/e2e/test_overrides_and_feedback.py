"""The last mile, governed, end to end: a retailer's feedback and an account manager's override reach every
consumer through the central layer, and an expired override stops applying and pages its owner once."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sandbox.simulate.last_mile import shown, write_feedback
from sandbox.simulate.publish import write_day
from tests.support.dags import run_dag
from tests.support.failure_stories import SPEC
from top_items.overrides import Override, add

pytestmark = pytest.mark.timeout(900)

DAY0, DAY1, DAY2 = "2026-11-23", "2026-11-24", "2026-11-25"


def held(destinations, store: str, sku: str, sku_name: str) -> dict[str, bool]:
    """Whether each consumer's destination holds the SKU for the store, read back with the consumer's client."""
    app = destinations.retailer_app()
    latest = destinations.latest()
    records = [line for key, body in app.items() if key.startswith(latest["manifest"].rsplit("/", 1)[0] + "/part-")
               for line in body.decode().splitlines()]
    in_app = any(r["store_id"] == store and sku in [i["sku_id"] for i in r["items"]] for r in map(json.loads, records))
    in_salesforce = any(row[1] == store and row[2] == sku for row in destinations.salesforce())
    in_crm = any(row[0] == store and sku_name in (row[2] or "").split("; ") for row in destinations.crm())
    return {"retailer_app": in_app, "salesforce": in_salesforce, "crm": in_crm}


def excluded_because(warehouse, day: str, store: str, sku: str) -> str | None:
    row = warehouse.execute("select excluded_because from marts.fct_store_top_item_candidates "
                            "where feed_date = %s and store_id = %s and sku_id = %s", (day, store, sku)).fetchone()
    return row[0] if row else "not a candidate"


def test_feedback_and_overrides_reach_every_consumer_and_an_expired_override_pages_once(warehouse, s3, destinations,
                                                                                        airflow_db):
    write_day(s3, SPEC, date.fromisoformat(DAY0))
    assert run_dag("top_items_pipeline", DAY0).state == "success"
    lists = shown(s3)  # what the app showed each store on day 0
    (retailer, retailer_list), (other, other_list) = list(lists.items())[:2]
    complained, hot_fixed = retailer_list[0], other_list[0]
    name = warehouse.execute("select sku_name from marts.dim_skus where feed_date = %s and sku_id = %s",
                             (DAY0, complained)).fetchone()[0]
    assert held(destinations, retailer, complained, name) == {"retailer_app": True, "salesforce": True, "crm": True}

    # During day 1: the retailer tells the app the item is seasonal; an account manager adds a one-day hot fix.
    write_feedback(s3, DAY1, [(retailer, complained, "seasonal")], name="app-1.csv")
    add(warehouse, Override("am-hotfix", "suppress", hot_fixed, owner="am@example.com", reason="hot fix",
                            created=date.fromisoformat(DAY1), expires=date.fromisoformat(DAY2), store_id=other))
    for day in (DAY1, DAY2):
        write_day(s3, SPEC, date.fromisoformat(day))

    assert run_dag("top_items_pipeline", DAY1).state == "success"

    feedback = f"override:feedback:{DAY1}:{retailer}:{complained}"
    assert held(destinations, retailer, complained, name) == {"retailer_app": False, "salesforce": False, "crm": False}
    assert excluded_because(warehouse, DAY1, retailer, complained) == feedback
    assert excluded_because(warehouse, DAY1, other, hot_fixed) == "override:am-hotfix"
    audit = warehouse.execute("select rows_in, rows_loaded, rows_quarantined, status from ops.load_audit "
                              "where dataset = 'retailer_feedback' and feed_date = %s", (DAY1,)).fetchall()
    assert audit == [(1, 1, 0, "loaded")]
    alerts = [(a["override_id"], a["notice"], a["owner"]) for a in destinations.alerts()]
    assert alerts == [("am-hotfix", "expiring", "am@example.com")]  # warned within the window; nothing else paged

    assert run_dag("top_items_pipeline", DAY2).state == "success"

    assert held(destinations, retailer, complained, name) == {"retailer_app": False, "salesforce": False, "crm": False}
    assert excluded_because(warehouse, DAY2, retailer, complained) == feedback  # the feedback lives on (its TTL)
    assert excluded_because(warehouse, DAY2, other, hot_fixed) != "override:am-hotfix"  # expired: no longer applies
    assert excluded_because(warehouse, DAY1, other, hot_fixed) == "override:am-hotfix"  # day 1 as it was
    alerts = destinations.alerts()
    assert [(a["override_id"], a["notice"]) for a in alerts] == [("am-hotfix", "expiring"), ("am-hotfix", "expired")]
    assert [a["dedup_key"] for a in alerts] == ["override/am-hotfix/expiring", "override/am-hotfix/expired"]

    from top_items.summary import format_summary, gather

    text = format_summary(gather(warehouse, DAY2))
    assert "expired   am-hotfix" in text and "owner told: expired" in text
    assert f"active    feedback:{DAY1}:{retailer}:{complained}" in text
