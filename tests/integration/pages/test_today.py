"""The Today page shows what the on-call needs from the tables themselves: a push's refused records with the
destination's own words, and an open incident with the link to its task's log."""

from __future__ import annotations

import json

from top_items import alerts
from top_items.activation import ledger
from top_items.pages.app import URL_PREFIX

DAY = "2026-11-24"


def test_a_push_s_rejected_records_and_an_open_incident_are_on_the_today_page(client, token, warehouse, airflow_db):
    from airflow.models import Variable

    warehouse.execute("insert into ops.load_audit (dataset, feed_date, source_file, status) "
                      "values ('inventory_feed', %s, 's3://landing/x.csv', 'loaded')", (DAY,))
    run = ledger.open_run(warehouse, consumer="salesforce", destination="salesforce", feed_date=DAY, run_id="r1",
                          mode="push", baseline=None)
    ledger.close_run(warehouse, run, {"outcome": "warning", "rejected_rows": 1, "planned_adds": 2})
    warehouse.execute("insert into ops.sync_errors (sync_run_id, consumer, destination, feed_date, record_key, "
                      "operation, error_code, message) values (%s, 'salesforce', 'salesforce', %s, 'S0001|K00042', "
                      "'add', 'INVALID_FIELD', 'Store__c: bad value for restricted picklist')", (run, DAY))
    key = alerts.incident_key("top_items_pipeline", "push_salesforce")
    Variable.set(key, json.dumps({"summary": "push_salesforce failed", "dag_id": "top_items_pipeline",
                                  "task_id": "push_salesforce", "feed_date": DAY,
                                  "url": "http://localhost:8080/dags/top_items_pipeline/runs/r1/tasks/push_salesforce"}))
    try:
        shown = client.get(f"{URL_PREFIX}/today?date={DAY}", headers={"Authorization": f"Bearer {token}"})
    finally:
        Variable.delete(key)
    assert shown.status_code == 200, shown.text[-2000:]
    page = shown.text
    assert "S0001|K00042" in page and "INVALID_FIELD" in page and "bad value for restricted picklist" in page
    assert '<td class="outcome warning">warning</td>' in page and "+2 ~0 -0 (0)" in page
    assert "push_salesforce failed" in page
    assert 'href="http://localhost:8080/dags/top_items_pipeline/runs/r1/tasks/push_salesforce"' in page
