"""Every fault kind the mocks can inject: afterwards each destination, read back through its real client,
equals the export table (nothing lost, nothing duplicated), and api_calls counts the real HTTP calls."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.support.activation import D1, D2, crm_day, destination_for, load, sf_day
from tests.support.destinations import assert_destination_equals_export
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import AuthError

pytestmark = pytest.mark.timeout(180)


def push_through_fault(conn, control, consumer: str, fault: dict) -> None:
    """Sync D2 (one add, two changes, one remove) while ``fault`` fires; nothing may be lost or duplicated."""
    control.fault(**fault)
    seen = len(control.requests())
    result = sync_consumer(conn, consumer, D2, run_id="r2",
                           destination=destination_for(consumer, batch_size=2, timeout_seconds=1))
    if fault["kind"] == "latency":
        time.sleep(fault["seconds"])  # let the timed-out request finish (and be logged) inside this test
    calls = len(control.requests()) - seen
    assert result.outcome == "success", result.detail
    # every other record only moves its stamp to D2
    assert result.succeeded == {"add": 1, "change": 2, "restamp": result.plan.rows - 3, "remove": 1}
    assert [f for f in control.faults() if f["remaining"]] == []  # the fault did fire
    assert_destination_equals_export(conn, consumer, D2)
    assert result.api_calls == calls, [(r["method"], r["path"][-40:], r["status"]) for r in control.requests()[seen:]]

COMPOSITE = {"path": "composite/sobjects"}
SF_FAULTS = {
    "429_retry_after": {"kind": "http_status", "status": 429, "count": 1, "headers": {"Retry-After": "1"},
                        "match": COMPOSITE},
    "403_request_limit": {"kind": "http_status", "status": 403, "count": 2, "match": COMPOSITE},
    "500_burst": {"kind": "http_status", "status": 500, "count": 3, "match": COMPOSITE},
    "503_burst": {"kind": "http_status", "status": 503, "count": 3, "match": COMPOSITE},
    "latency_timeout": {"kind": "latency", "seconds": 2.5, "count": 1, "match": COMPOSITE},
    "drop_connection": {"kind": "drop_connection", "count": 2, "match": COMPOSITE},
    "expire_session": {"kind": "expire_session", "count": 1, "match": COMPOSITE},
}


@pytest.mark.parametrize("fault", SF_FAULTS.values(), ids=SF_FAULTS.keys())
def test_salesforce_survives(exports, sf_ctl, fault):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    sync_consumer(conn, "salesforce", D1, run_id="r1", destination=destination_for("salesforce", batch_size=10))
    load(conn, "salesforce", D2, sf_day(D2, rename={"S001:K001", "S004:K004"}, drop={"S002:K002"},
                                        extra=[("S009", "K001")]))
    started = time.monotonic()
    push_through_fault(conn, sf_ctl, "salesforce", fault)
    if fault.get("headers", {}).get("Retry-After"):
        assert time.monotonic() - started >= 1.0  # the server's Retry-After was honoured


def test_salesforce_bulk_job_failure_is_retried(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    sf_ctl.fault(kind="bulk_job_fails", count=1)
    result = sync_consumer(conn, "salesforce", D1, run_id="r1",
                           destination=destination_for("salesforce", bulk_threshold=10))
    assert result.outcome == "success" and result.succeeded["add"] == 30
    jobs = [r for r in sf_ctl.requests() if r["path"].endswith("/jobs/ingest") and r["method"] == "POST"]
    assert len(jobs) == 2  # the failed job, then its retry
    assert_destination_equals_export(conn, "salesforce", D1)
    # removes above the threshold go through a Bulk 2.0 delete job (shrinking to 0.4x is beyond the volume
    # guard's bound: this test is about the bulk delete, so it overrides the guard as an operator would)
    load(conn, "salesforce", D2, sf_day(D2, stores=2))
    result = sync_consumer(conn, "salesforce", D2, run_id="r2", override_volume_guard=True,
                           destination=destination_for("salesforce", bulk_threshold=10))
    assert result.succeeded["remove"] == 18 and result.outcome == "success"
    assert_destination_equals_export(conn, "salesforce", D2)


def test_salesforce_rejected_records_are_recorded_and_retried(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    sf_ctl.fault(kind="reject_records", keys=["S001:K002"], error_code="DUPLICATE_EXTERNAL_ID", count=1)
    sf_ctl.fault(kind="reject_records", keys=["S003:K003"], error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
                 count=1)
    first = sync_consumer(conn, "salesforce", D1, run_id="r1")
    assert first.outcome == "warning" and first.failed["add"] == 2 and first.succeeded["add"] == 28
    errors = conn.execute(
        "select record_key, operation, error_code from ops.sync_errors order by record_key"
    ).fetchall()
    assert errors == [("S001:K002", "add", "DUPLICATE_EXTERNAL_ID"),
                      ("S003:K003", "add", "FIELD_CUSTOM_VALIDATION_EXCEPTION")]
    failed = conn.execute("select record_key, failures from ops.sync_state where status = 'failed' "
                          "order by 1").fetchall()
    assert failed == [("S001:K002", 1), ("S003:K003", 1)]

    load(conn, "salesforce", D2, sf_day(D2))  # unchanged day: the failed rows go again, the rest are restamped
    second = sync_consumer(conn, "salesforce", D2, run_id="r2")
    assert second.outcome == "success" and second.planned == {"add": 2, "change": 0, "restamp": 28, "remove": 0}
    assert second.records_pushed == 30
    assert_destination_equals_export(conn, "salesforce", D2)
    assert conn.execute("select count(*) from ops.sync_state where status = 'failed'").fetchone()[0] == 0


CRM_FAULTS = {
    "429_retry_after": {"kind": "http_status", "status": 429, "count": 2, "retry_after": 1,
                        "match": {"path": "batch/upsert"}},
    "500_burst": {"kind": "http_status", "status": 500, "count": 3, "match": {"path": "batch/upsert"}},
    "503_burst": {"kind": "http_status", "status": 503, "count": 3, "match": {"path": "batch"}},
    "latency_timeout": {"kind": "latency", "seconds": 2.5, "count": 1, "match": {"path": "batch/upsert"}},
    "drop_connection": {"kind": "drop_connection", "count": 2, "match": {"path": "batch"}},
}


@pytest.mark.parametrize("fault", CRM_FAULTS.values(), ids=CRM_FAULTS.keys())
def test_crm_survives(exports, crm_ctl, fault):
    conn = exports
    load(conn, "crm", D1, crm_day(D1))
    sync_consumer(conn, "crm", D1, run_id="r1")
    load(conn, "crm", D2, crm_day(D2, rename={"S001", "S005"}, drop={"S003"}, extra=["S200"]))
    push_through_fault(conn, crm_ctl, "crm", fault)


def test_crm_rejected_record_does_not_block_the_rest(exports, crm_ctl):
    conn = exports
    load(conn, "crm", D1, crm_day(D1))
    crm_ctl.fault(kind="reject_records", keys=["S002"], message="email is not valid", count=1)
    first = sync_consumer(conn, "crm", D1, run_id="r1")
    assert first.outcome == "warning" and (first.succeeded["add"], first.failed["add"]) == (11, 1)
    assert conn.execute("select record_key, error_code, message from ops.sync_errors").fetchall() == [
        ("S002", "VALIDATION_ERROR", "email is not valid")]
    load(conn, "crm", D2, crm_day(D2))
    second = sync_consumer(conn, "crm", D2, run_id="r2")
    assert second.outcome == "success" and (second.planned["add"], second.planned["restamp"]) == (1, 11)
    assert_destination_equals_export(conn, "crm", D2)


def test_crm_session_expiry_fails_clearly_then_converges_with_a_new_token(exports, crm_ctl, monkeypatch):
    conn = exports
    load(conn, "crm", D1, crm_day(D1))
    crm_ctl.fault(kind="expire_session", count=1, match={"path": "batch/upsert"})
    with pytest.raises(AuthError, match="hubspot_crm"):
        sync_consumer(conn, "crm", D1, run_id="r1", destination=destination_for("crm", batch_size=5))
    row = conn.execute("select outcome, detail from ops.sync_runs order by sync_run_id desc limit 1").fetchone()
    assert row[0] == "failed" and "hubspot_crm" in row[1]
    # a private-app token cannot be refreshed: the operator rotates it in the connection, and the re-run converges
    spec = json.loads(os.environ["AIRFLOW_CONN_HUBSPOT_CRM"])
    spec["password"] = crm_ctl.token()
    monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_CRM", json.dumps(spec))
    again = sync_consumer(conn, "crm", D1, run_id="r2")
    assert again.outcome == "success"
    assert_destination_equals_export(conn, "crm", D1)


def test_an_outage_stops_the_run_keeps_what_was_pushed_and_the_rerun_converges(exports, sf_ctl):
    from top_items.activation.errors import DestinationUnavailable

    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    tuned = {"batch_size": 10, "retry_attempts": 3, "retry_base_seconds": 0.05}
    sf_ctl.fault(kind="http_status", status=503, count=1, match=COMPOSITE)  # batch 1: one retry, then fine

    def outage_after_first_batch(step, done, total):
        if (step, done) == ("recorded", 1):
            sf_ctl.fault(kind="http_status", status=503, match=COMPOSITE)  # unlimited: down for good

    with pytest.raises(DestinationUnavailable, match="gave up after 3 attempts"):
        sync_consumer(conn, "salesforce", D1, run_id="r1", hook=outage_after_first_batch,
                      destination=destination_for("salesforce", **tuned))
    assert conn.execute("select count(*) from ops.sync_state").fetchone()[0] == 10
    run = conn.execute("select outcome, succeeded_adds from ops.sync_runs order by sync_run_id desc").fetchone()
    assert run == ("failed", 10)
    sf_ctl.http.delete(f"{sf_ctl.url}/__mock/faults", timeout=10)
    again = sync_consumer(conn, "salesforce", D1, run_id="r2", destination=destination_for("salesforce", **tuned))
    assert again.outcome == "success" and again.records_pushed == 20
    assert_destination_equals_export(conn, "salesforce", D1)
