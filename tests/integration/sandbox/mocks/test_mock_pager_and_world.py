"""The pager mock, the control API, the launcher, and one world shared by two server processes."""

from __future__ import annotations

import os
import socket
import time

import pytest
import requests

from sandbox.mocks import demo_credentials as creds
from sandbox.mocks.launcher import start, stop
from tests.support.mocks import sf_client

pytestmark = pytest.mark.timeout(60)

AUTH = {"Authorization": f"Bearer {creds.PAGER_TOKEN}"}


def test_pager_receives_alerts_in_order(pager_mock, pager_control):
    http = pager_mock.session()
    url = f"{pager_mock.url}/alerts"
    assert http.post(url, json={"summary": "x"}).status_code == 401
    assert http.post(url, json={"summary": "x"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert http.post(url, json={"text": "no summary"}, headers=AUTH).status_code == 400
    for i in range(3):
        r = http.post(url, json={"summary": f"alert {i}", "severity": "critical", "dag": "top_items_pipeline"},
                      headers=AUTH)
        assert r.status_code == 201 and r.json()["ok"] is True
    alerts = http.get(url, headers=AUTH).json()["alerts"]
    assert [a["payload"]["summary"] for a in alerts] == ["alert 0", "alert 1", "alert 2"]
    assert alerts[0]["payload"]["severity"] == "critical"
    assert http.get(url).status_code == 401


def test_control_api_request_log_faults_and_reset(pager_mock, pager_control):
    http = pager_mock.session()
    url = f"{pager_mock.url}/alerts"
    bad = http.post(f"{pager_mock.url}/__mock/faults", json={"kind": "nonsense"})
    assert bad.status_code == 400
    pager_control.fault(kind="http_status", status=503, probability=0.0)  # never fires
    pager_control.fault(kind="http_status", status=500, count=1, match={"method": "GET"})
    assert http.post(url, json={"summary": "a"}, headers=AUTH).status_code == 201
    assert http.get(url, headers=AUTH).status_code == 500
    assert http.get(f"{pager_mock.url}/__mock/health").status_code == 200  # control API never faulted
    log = pager_control.requests()
    assert [(e["method"], e["path"], e["status"], e["records"]) for e in log] == [
        ("POST", "/alerts", 201, 1), ("GET", "/alerts", 500, None)]
    assert log[0]["request_bytes"] > 0 and log[0]["ts"] <= log[1]["ts"]
    assert [f["fired"] for f in pager_control.faults()] == [0, 1]
    pager_control.reset()
    assert pager_control.faults() == [] and pager_control.requests() == []
    assert http.get(url, headers=AUTH).json()["alerts"] == []


def test_pager_latency_and_drop(pager_mock, pager_control):
    http = pager_mock.session()
    url = f"{pager_mock.url}/alerts"
    pager_control.fault(kind="latency", seconds=1.0, count=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(url, json={"summary": "slow"}, headers=AUTH, timeout=0.3)
    pager_control.fault(kind="drop_connection", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        http.post(url, json={"summary": "dropped"}, headers=AUTH)
    time.sleep(0.8)
    # the slow alert was still delivered after its delay (the client gave up, the server did not)
    summaries = [a["payload"]["summary"] for a in http.get(url, headers=AUTH).json()["alerts"]]
    assert summaries == ["slow"]


def test_two_processes_share_one_world(tmp_path, sf_for):
    from simple_salesforce.exceptions import SalesforceGeneralError

    first = start("salesforce", tmp_path)
    second = start("salesforce", tmp_path)
    try:
        assert first.pid != second.pid and first.ca_path == second.ca_path

        a, b = sf_client(first), sf_client(second)
        a.Top_Item__c.upsert("Top_Item_Key__c/S1:K1", {"Store_Id__c": "S1"})
        r = b.Top_Item__c.upsert("Top_Item_Key__c/S1:K1", {"Market_Rank__c": 3}, raw_response=True)
        assert r.status_code == 200 and r.json()["created"] is False
        assert a.query("SELECT Market_Rank__c FROM Top_Item__c")["records"][0]["Market_Rank__c"] == 3
        first.session().post(f"{first.url}/__mock/faults", json={"kind": "http_status", "status": 503, "count": 1})
        with pytest.raises(SalesforceGeneralError):
            b.query("SELECT Id FROM Top_Item__c")  # the fault declared on one process fires on the other
        assert len(first.session().get(f"{first.url}/__mock/requests").json()["requests"]) == 4
    finally:
        first.stop()
        second.stop()
    for mock in (first, second):
        with pytest.raises(ProcessLookupError):
            os.kill(mock.pid, 0)


def test_launcher_reports_a_dying_server(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        with pytest.raises(RuntimeError, match="(?s)exited.*in use"):
            start("crm", tmp_path / "c", port=busy.getsockname()[1], timeout=10)
    finally:
        busy.close()
    mock = start("pager", tmp_path / "p")
    stop(mock.pid)
    with pytest.raises(requests.exceptions.ConnectionError):
        mock.session().get(f"{mock.url}/__mock/health", timeout=2)
