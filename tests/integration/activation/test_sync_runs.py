"""Resuming a killed sync, the rejection threshold, auth errors, backfills, dry runs, the S3 snapshot."""

from __future__ import annotations

import json
import os

import pytest

from tests.support.activation import D1, D2, D3, crm_day, load, sf_day, sync_runs
from tests.support.destinations import Destinations, assert_destination_equals_export, sf_records
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import AuthError, TooManyRejected

pytestmark = pytest.mark.timeout(180)


def test_too_many_rejections_fail_the_run_but_keep_the_rest(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    bad = [f"S001:K00{i}" for i in range(1, 7)] + [f"S002:K00{i}" for i in range(1, 6)]  # 11 > allowance of 10
    sf_ctl.fault(kind="reject_records", keys=bad, count=1)
    with pytest.raises(TooManyRejected, match="11 of 30 rows rejected"):
        sync_consumer(conn, "salesforce", D1, run_id="r1")
    run = sync_runs(conn, "salesforce")[-1]
    assert (run["outcome"], run["failed_adds"], run["succeeded_adds"], run["rejected_rows"]) == ("failed", 11, 19, 11)
    assert conn.execute("select count(*) from ops.sync_errors").fetchone()[0] == 11
    assert len(sf_records()) == 19  # the good rows went through
    again = sync_consumer(conn, "salesforce", D1, run_id="r2")
    assert again.outcome == "success" and again.records_pushed == 11
    assert_destination_equals_export(conn, "salesforce", D1)


def test_wrong_credentials_fail_clearly_naming_the_connection(exports, sf_ctl, crm_ctl, monkeypatch):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    load(conn, "crm", D1, crm_day(D1))
    sf_spec = json.loads(os.environ["AIRFLOW_CONN_SALESFORCE"])
    monkeypatch.setenv("AIRFLOW_CONN_SALESFORCE", json.dumps({**sf_spec, "password": "wrong-secret"}))
    with pytest.raises(AuthError, match=r"'salesforce'.*invalid_client"):
        sync_consumer(conn, "salesforce", D1, run_id="r1")
    crm_spec = json.loads(os.environ["AIRFLOW_CONN_HUBSPOT_CRM"])
    monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_CRM", json.dumps({**crm_spec, "password": "wrong-token"}))
    with pytest.raises(AuthError, match=r"'hubspot_crm'.*401"):
        sync_consumer(conn, "crm", D1, run_id="r1")
    # even a day with nothing to push checks the credentials: never a silent skip
    monkeypatch.delenv("AIRFLOW_CONN_HUBSPOT_CRM")
    with pytest.raises(AuthError, match="'hubspot_crm' is not defined"):
        sync_consumer(conn, "crm", D1, run_id="r1")
    outcomes = [r["outcome"] for r in sync_runs(conn, "salesforce") + sync_runs(conn, "crm")]
    assert outcomes == ["failed"] * 3
    assert "wrong-secret" not in str(conn.execute("select string_agg(detail, ' ') from ops.sync_runs").fetchone())
    assert [r for r in sf_ctl.writes()] == [] and [r for r in crm_ctl.writes()] == []


def test_backfill_of_an_older_day_never_rolls_the_destination_back(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1, rename={"S001:K001"}))
    load(conn, "salesforce", D2, sf_day(D2))
    assert sync_consumer(conn, "salesforce", D2, run_id="r2").outcome == "success"
    writes = len(sf_ctl.writes())
    old = sync_consumer(conn, "salesforce", D1, run_id="backfill")
    assert old.outcome == "skipped" and old.records_pushed == 0 and len(sf_ctl.writes()) == writes
    assert "older than 2026-11-24" in sync_runs(conn, "salesforce")[-1]["detail"]
    assert_destination_equals_export(conn, "salesforce", D2)
    assert sync_consumer(conn, "salesforce", D2, run_id="rerun").outcome == "success"  # same day: allowed


def test_dry_run_plans_and_pushes_nothing(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    result = sync_consumer(conn, "salesforce", D1, run_id="r1", dry_run=True)
    assert (result.mode, result.outcome) == ("dry_run", "success")
    assert result.planned == {"add": 30, "change": 0, "restamp": 0, "remove": 0}
    assert result.detail.startswith("dry run: nothing pushed; volume guard: first sync")
    assert sf_ctl.requests() == []
    run = sync_runs(conn, "salesforce")[-1]
    assert (run["mode"], run["planned_adds"], run["records_pushed"]) == ("dry_run", 30, 0)
    assert conn.execute("select count(*) from ops.sync_state").fetchone()[0] == 0


def test_retailer_app_is_a_snapshot_destination_of_the_same_engine(exports, s3):
    conn = exports

    def day(d, extra=()):
        return [{"feed_date": d, "store_id": s, "items": json.dumps(
            [{"sku_id": "K1", "name": "Gin" + ("!" if s in extra else ""), "rank": 1}])}
            for s in ("S1", "S2", "S3", "S4", "S5", "S6")]

    load(conn, "retailer_app", D1, day(D1))
    first = sync_consumer(conn, "retailer_app", D1, run_id="r1")
    assert first.outcome == "success" and first.planned["add"] == 6 and first.records_pushed == 6
    load(conn, "retailer_app", D2, day(D2))
    second = sync_consumer(conn, "retailer_app", D2, run_id="r2")
    assert second.planned == {"add": 0, "change": 0, "restamp": 6, "remove": 0}
    assert second.records_pushed == 6  # a full snapshot
    load(conn, "retailer_app", D3, day(D3, extra={"S2"})[:5])
    third = sync_consumer(conn, "retailer_app", D3, run_id="r3")
    assert third.planned == {"add": 0, "change": 1, "restamp": 4, "remove": 1} and third.records_pushed == 5
    app = Destinations.from_environment()
    latest = app.latest()
    assert latest["feed_date"] == D3 and third.location.endswith(latest["manifest"].rsplit("/", 1)[0] + "/")
    backfill = sync_consumer(conn, "retailer_app", D1, run_id="old")  # published, latest.json stays
    assert backfill.outcome == "success"
    assert app.latest() == latest
    assert sync_consumer(conn, "retailer_app", D3, run_id="again").planned["change"] == 0  # state not rolled back
