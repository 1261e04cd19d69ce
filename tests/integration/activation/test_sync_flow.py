"""First run, re-run, next day, changed day: through the real clients against the live mocks."""

from __future__ import annotations

import pytest

from tests.support.activation import D1, D2, D3, crm_day, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export
from top_items.activation.engine import sync_consumer

pytestmark = pytest.mark.timeout(120)


def kinds(add=0, change=0, restamp=0, remove=0) -> dict[str, int]:
    return {"add": add, "change": change, "restamp": restamp, "remove": remove}


def test_salesforce_first_rerun_next_and_changed_days(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    first = sync_consumer(conn, "salesforce", D1, run_id="r1")
    assert (first.outcome, first.planned, first.records_pushed) == ("success", kinds(add=30), 30)
    assert first.succeeded["add"] == 30
    assert_destination_equals_export(conn, "salesforce", D1)

    seen = len(sf_ctl.requests())
    rerun = sync_consumer(conn, "salesforce", D1, run_id="r1-again")
    assert rerun.records_pushed == 0 and rerun.planned == kinds()
    new = sf_ctl.requests()[seen:]
    assert rerun.api_calls == len(new) == 0  # nothing to push: not even a login

    load(conn, "salesforce", D2, sf_day(D2))  # same recommendations, a new day: Feed_Date__c moves to D2
    second = sync_consumer(conn, "salesforce", D2, run_id="r2")
    assert second.outcome == "success" and second.planned == kinds(restamp=30) and second.records_pushed == 30
    assert_destination_equals_export(conn, "salesforce", D2)

    changed = {"S001:K001", "S002:K003"}
    dropped = {"S003:K002", "S005:K006"}
    load(conn, "salesforce", D3, sf_day(D3, rename=changed, drop=dropped, extra=[("S001", "K099")]))
    seen = len(sf_ctl.requests())
    third = sync_consumer(conn, "salesforce", D3, run_id="r3")
    assert third.planned == kinds(add=1, change=2, restamp=26, remove=2)
    assert third.succeeded == third.planned and third.records_pushed == 31
    assert sorted(op.key for op in third.plan.changes) == sorted(changed)
    writes = [r for r in sf_ctl.requests()[seen:] if r["method"] in ("PATCH", "DELETE")]
    assert [(w["method"], w["records"]) for w in writes] == [("PATCH", 29), ("DELETE", 2)]
    assert_destination_equals_export(conn, "salesforce", D3)

    rows = sync_runs(conn, "salesforce")
    assert [r["outcome"] for r in rows] == ["success"] * 4
    assert [r["held_after"] for r in rows] == [30, 30, 30, 29]
    assert [r["baseline"] for r in rows] == [None, 30, 30, 30]
    assert (rows[3]["planned_changes"], rows[3]["succeeded_removes"], rows[3]["api_calls"]) == (2, 2, third.api_calls)
    assert all(r["duration_s"] is not None and r["finished_at"] for r in rows)
    state = dict(conn.execute("select status, count(*) from ops.sync_state where consumer = 'salesforce' "
                              "group by status").fetchall())
    assert state == {"synced": 29}


def test_crm_first_next_and_changed_days(exports, crm_ctl):
    conn = exports
    load(conn, "crm", D1, crm_day(D1))
    first = sync_consumer(conn, "crm", D1, run_id="r1")
    assert first.outcome == "success" and first.succeeded["add"] == 12
    assert_destination_equals_export(conn, "crm", D1)

    load(conn, "crm", D2, crm_day(D2))
    second = sync_consumer(conn, "crm", D2, run_id="r2")
    assert second.planned == kinds(restamp=12)
    assert_destination_equals_export(conn, "crm", D2)

    load(conn, "crm", D3, crm_day(D3, rename={"S004"}, drop={"S007", "S008"}, extra=["S100"]))
    seen = len(crm_ctl.requests())
    third = sync_consumer(conn, "crm", D3, run_id="r3")
    assert third.succeeded == kinds(add=1, change=1, restamp=9, remove=2)
    writes = [(r["path"].rsplit("/", 1)[-1], r["records"]) for r in crm_ctl.requests()[seen:] if r["method"] == "POST"]
    assert writes == [("upsert", 11), ("upsert", 2)]  # removes clear fields by upsert: the companies stay
    assert_destination_equals_export(conn, "crm", D3)
