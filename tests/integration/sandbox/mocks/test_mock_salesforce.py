"""The Salesforce mock through simple-salesforce 1.12.10 (session_id + instance_url, HTTPS with the mock's CA)."""

from __future__ import annotations

import csv
import io
import time

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceOperationError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sandbox.mocks import demo_credentials as creds

pytestmark = pytest.mark.timeout(60)

KEY = "Top_Item_Key__c"


def item(store: str, sku: str, rank: int = 1) -> dict:
    return {
        KEY: f"{store}:{sku}", "Store_Id__c": store, "Sku_Id__c": sku, "Sku_Name__c": f"name {sku}",
        "Market_Rank__c": rank, "Feed_Date__c": "2026-11-25",
    }


def collection(records: list[dict]) -> dict:
    return {"allOrNone": False, "records": [{"attributes": {"type": "Top_Item__c"}, **r} for r in records]}


def composite_upsert(sf, records, all_or_none=False):
    body = collection(records)
    body["allOrNone"] = all_or_none
    return sf.restful(f"composite/sobjects/Top_Item__c/{KEY}", method="PATCH", json=body)


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_oauth_token_endpoint_issues_a_usable_session(salesforce_mock, sf_control, sf_http, sf_for):
    http = sf_http
    bad = http.post(f"{salesforce_mock.url}/services/oauth2/token",
                    data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    for extra in ({"grant_type": "client_credentials"},
                  {"grant_type": "password", "username": creds.SALESFORCE_USERNAME,
                   "password": creds.SALESFORCE_PASSWORD}):
        r = http.post(f"{salesforce_mock.url}/services/oauth2/token", data={
            "client_id": creds.SALESFORCE_CLIENT_ID, "client_secret": creds.SALESFORCE_CLIENT_SECRET, **extra})
        assert r.status_code == 200, r.text
        tok = r.json()
        assert tok["token_type"] == "Bearer" and tok["instance_url"] == salesforce_mock.url and tok["issued_at"]
        sf = sf_for(tok["access_token"])
        assert sf.query("SELECT Id FROM Top_Item__c")["totalSize"] == 0


def test_auth_missing_invalid_and_expired(salesforce_mock, sf_control, sf_http, sf_for):
    url = f"{salesforce_mock.url}/services/data/v59.0/query?q=SELECT+Id+FROM+Top_Item__c"
    r = sf_http.get(url)
    assert r.status_code == 401
    assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    with pytest.raises(SalesforceExpiredSession):
        sf_for("not-a-token").query("SELECT Id FROM Top_Item__c")
    short = sf_control.token(ttl_seconds=0.3)
    sf = sf_for(short)
    sf.query("SELECT Id FROM Top_Item__c")
    time.sleep(0.4)
    with pytest.raises(SalesforceExpiredSession) as exc:
        sf.query("SELECT Id FROM Top_Item__c")
    assert exc.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_expire_session_fault_revokes_every_token(sf, sf_control):
    sf.query("SELECT Id FROM Top_Item__c")
    sf_control.fault(kind="expire_session", count=1)
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Top_Item__c")
    with pytest.raises(SalesforceExpiredSession):  # stays revoked after the fault fired
        sf.query("SELECT Id FROM Top_Item__c")
    sf_control.reset()
    sf.query("SELECT Id FROM Top_Item__c")


def test_upsert_by_external_id_creates_then_updates(sf, sf_control):
    r = sf.Top_Item__c.upsert(f"{KEY}/S1:K1", item("S1", "K1"), raw_response=True)
    assert r.status_code == 201
    body = r.json()
    assert body["success"] is True and body["created"] is True and body["errors"] == []
    assert body["id"].startswith("a01") and len(body["id"]) == 18
    assert "api-usage=" in r.headers["Sforce-Limit-Info"]
    r2 = sf.Top_Item__c.upsert(f"{KEY}/S1:K1", {"Market_Rank__c": 5}, raw_response=True)
    assert r2.status_code == 200 and r2.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    record = sf.Top_Item__c.get(body["id"])
    assert record["Market_Rank__c"] == 5 and record["Sku_Name__c"] == "name K1"
    assert sf.Top_Item__c.get_by_custom_id(KEY, "S1:K1")["Id"] == body["id"]
    assert sf.query("SELECT COUNT() FROM Top_Item__c")["totalSize"] == 1
    assert sf.Top_Item__c.delete(body["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Top_Item__c.get(body["id"])
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Unknown__c.upsert(f"{KEY}/x", {})
    assert exc.value.content[0]["errorCode"] == "NOT_FOUND"


def test_api_usage_header_counts_calls(sf, sf_control):
    sf.query("SELECT Id FROM Top_Item__c")
    first = sf.api_usage["api-usage"].used
    sf.query("SELECT Id FROM Top_Item__c")
    assert sf.api_usage["api-usage"].used == first + 1
    assert sf.api_usage["api-usage"].total == 15000


def test_single_upsert_rejections(sf, sf_control):
    sf_control.fault(kind="reject_records", keys=["S1:BAD"], message="Rank must be positive")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Top_Item__c.upsert(f"{KEY}/S1:BAD", item("S1", "BAD"))
    assert exc.value.content[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    sf_control.fault(kind="reject_records", keys=["S1:DUP"], error_code="DUPLICATE_EXTERNAL_ID")
    with pytest.raises(SalesforceMoreThanOneRecord) as exc:
        sf.Top_Item__c.upsert(f"{KEY}/S1:DUP", item("S1", "DUP"))
    assert exc.value.status == 300 and len(exc.value.content) == 2
    assert sf.query("SELECT COUNT() FROM Top_Item__c")["totalSize"] == 0


def test_composite_upsert_limits_and_partial_failure(sf, sf_control):
    records = [item("S1", f"K{i:03d}", i) for i in range(200)]
    results = composite_upsert(sf, records)
    assert len(results) == 200 and all(r["success"] and r["created"] for r in results)
    again = composite_upsert(sf, records[:3])
    assert [r["created"] for r in again] == [False, False, False]
    assert [r["id"] for r in again] == [r["id"] for r in results[:3]]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        composite_upsert(sf, records + [item("S1", "K999")])
    assert exc.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"

    sf_control.fault(kind="reject_records", keys=["S2:K2"])
    partial = composite_upsert(sf, [item("S2", "K1"), item("S2", "K2"), item("S2", "K3")])
    assert [r["success"] for r in partial] == [True, False, True]
    assert partial[1]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert sf.query("SELECT COUNT() FROM Top_Item__c WHERE Store_Id__c = 'S2'")["totalSize"] == 2


def test_composite_all_or_none_writes_nothing_on_any_failure(sf, sf_control):
    sf_control.fault(kind="reject_records", keys=["S3:K2"])
    results = composite_upsert(sf, [item("S3", "K1"), item("S3", "K2"), item("S3", "K3")], all_or_none=True)
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert [r["success"] for r in results] == [False, False, False]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                     "ALL_OR_NONE_OPERATION_ROLLED_BACK"]
    assert sf.query("SELECT COUNT() FROM Top_Item__c")["totalSize"] == 0


def test_composite_delete(sf, sf_control):
    ids = [r["id"] for r in composite_upsert(sf, [item("S4", f"K{i}") for i in range(3)])]
    results = sf.restful("composite/sobjects", method="DELETE",
                         params={"ids": ",".join(ids[:2] + ["a01DM0000000777QAA"]), "allOrNone": "false"})
    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    left = sf.query(f"SELECT Id FROM Top_Item__c WHERE {KEY} LIKE 'S4:%'")["records"]
    assert [r["Id"] for r in left] == [ids[2]]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(["a01x"] * 201)})
    assert exc.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_bulk2_upsert_and_delete_lifecycle(sf, sf_control, tmp_path):
    sf.Top_Item__c.upsert(f"{KEY}/S5:K0", item("S5", "K0", 9))
    sf_control.fault(kind="reject_records", keys=["S5:K2"], message="bad rank")
    path = tmp_path / "upsert.csv"
    path.write_text(f"{KEY},Store_Id__c,Sku_Id__c,Market_Rank__c\nS5:K0,S5,K0,1\nS5:K1,S5,K1,2\nS5:K2,S5,K2,3\n")
    [res] = sf.bulk2.Top_Item__c.upsert(csv_file=str(path), external_id_field=KEY, wait=0.1)
    assert res["numberRecordsProcessed"] == 3 and res["numberRecordsFailed"] == 1
    ok = read_csv(sf.bulk2.Top_Item__c.get_successful_records(res["job_id"]))
    assert [(r[KEY], r["sf__Created"]) for r in ok] == [("S5:K0", "false"), ("S5:K1", "true")]
    failed = read_csv(sf.bulk2.Top_Item__c.get_failed_records(res["job_id"]))
    assert failed[0][KEY] == "S5:K2" and failed[0]["sf__Error"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION:bad rank")
    assert read_csv(sf.bulk2.Top_Item__c.get_unprocessed_records(res["job_id"])) == []
    rows = sf.query(f"SELECT {KEY}, Market_Rank__c FROM Top_Item__c ORDER BY {KEY}")["records"]
    assert [(r[KEY], r["Market_Rank__c"]) for r in rows] == [("S5:K0", 1), ("S5:K1", 2)]

    ids = [r["sf__Id"] for r in ok]
    [res] = sf.bulk2.Top_Item__c.delete(records=[{"Id": i} for i in ids + ["a01DM0000000888QAA"]], wait=0.1)
    assert res["numberRecordsProcessed"] == 3 and res["numberRecordsFailed"] == 1
    assert sf.query("SELECT COUNT() FROM Top_Item__c")["totalSize"] == 0
    job = sf.restful(f"jobs/ingest/{res['job_id']}")
    assert job["state"] == "JobComplete" and job["operation"] == "delete"
    assert sf.restful(f"jobs/ingest/{res['job_id']}", method="DELETE") is None
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful(f"jobs/ingest/{res['job_id']}")


def test_bulk2_failed_job(sf, sf_control):
    sf_control.fault(kind="bulk_job_fails", count=1, message="InvalidBatch : simulated outage")
    records = [item("S6", "K1")]
    with pytest.raises(SalesforceOperationError, match="simulated outage"):
        sf.bulk2.Top_Item__c.upsert(records=records, external_id_field=KEY, wait=0.1)
    [job] = sf_control.state()["bulk_jobs"]
    assert job["state"] == "Failed" and job["numberRecordsProcessed"] == 0
    unprocessed = read_csv(sf.bulk2.Top_Item__c.get_unprocessed_records(job["id"]))
    assert unprocessed[0][KEY] == "S6:K1"
    assert sf.query("SELECT COUNT() FROM Top_Item__c")["totalSize"] == 0
    [res] = sf.bulk2.Top_Item__c.upsert(records=records, external_id_field=KEY, wait=0.1)  # count=1: next one works
    assert res["numberRecordsFailed"] == 0


def test_soql_read_back_filters_and_errors(sf, sf_control):
    composite_upsert(sf, [item("S7", f"K{i}", i) for i in range(5)] + [item("S8", "K1")])
    q = (f"SELECT Id, {KEY}, Market_Rank__c FROM Top_Item__c WHERE Store_Id__c = 'S7' "
         "AND Market_Rank__c >= 2 ORDER BY Market_Rank__c DESC LIMIT 2")
    result = sf.query(q)
    assert result["done"] is True and result["totalSize"] == 2
    assert [r["Market_Rank__c"] for r in result["records"]] == [4, 3]
    assert result["records"][0]["attributes"]["type"] == "Top_Item__c"
    assert set(result["records"][0]) == {"attributes", "Id", KEY, "Market_Rank__c"}
    in_q = sf.query("SELECT Id FROM Top_Item__c WHERE Store_Id__c IN ('S8', 'S9')")
    assert in_q["totalSize"] == 1
    for bad in ("SELECT Id FROM Top_Item__c WHERE a = 'x' OR b = 'y'", "DELETE FROM Top_Item__c",
                "SELECT Id FROM Top_Item__c GROUP BY Id"):
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.query(bad)
        assert exc.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_soql_pagination_with_query_all(sf, sf_control):
    sf_control.config(query_page_size=40)
    for start in range(0, 100, 50):
        composite_upsert(sf, [item("S9", f"K{i:03d}", i) for i in range(start, start + 50)])
    first = sf.query("SELECT Id FROM Top_Item__c")
    assert first["done"] is False and first["totalSize"] == 100 and len(first["records"]) == 40
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
    everything = sf.query_all(f"SELECT Id, {KEY} FROM Top_Item__c")
    assert everything["totalSize"] == 100 and len({r["Id"] for r in everything["records"]}) == 100


def test_request_level_faults(sf, sf_control, salesforce_mock):
    sf_control.fault(kind="http_status", status=403, count=1)
    with pytest.raises(SalesforceRefusedRequest) as exc:
        sf.query("SELECT Id FROM Top_Item__c")
    assert exc.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    sf_control.fault(kind="http_status", status=503, count=2, match={"path": "/query", "method": "GET"})
    sf.Top_Item__c.upsert(f"{KEY}/S1:K1", item("S1", "K1"))  # not matched: a PATCH
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as exc:
            sf.query("SELECT Id FROM Top_Item__c")
        assert exc.value.status == 503
    assert sf.query("SELECT Id FROM Top_Item__c")["totalSize"] == 1

    sf_control.fault(kind="latency", seconds=1.5, count=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        sf.query("SELECT Id FROM Top_Item__c", timeout=0.5)
    sf_control.fault(kind="drop_connection", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT Id FROM Top_Item__c")
    assert sf.query("SELECT Id FROM Top_Item__c")["totalSize"] == 1
    deadline = time.monotonic() + 5  # the slow request is logged when its (late) answer is written
    while len([e for e in sf_control.requests() if e["fault"]]) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    log = sorted(sf_control.requests(), key=lambda e: e["ts"])
    assert [e["fault"] for e in log if e["fault"]] == ["http_status", "http_status", "http_status", "latency",
                                                        "drop_connection"]
    assert [e["status"] for e in log if e["fault"]] == [403, 503, 503, 200, 0]
    assert [f["remaining"] for f in sf_control.faults()] == [0, 0, 0, 0]
    assert salesforce_mock.ca_path.exists()
