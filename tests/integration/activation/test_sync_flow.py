"""First run, unchanged day, changed day: through the real clients against the live mocks."""

from __future__ import annotations

import pytest

from top_items.activation.sync import sync_consumer

from .conftest import (
    D1,
    D2,
    D3,
    assert_destination_equals_export,
    crm_day,
    load,
    sf_day,
    sync_runs,
)

pytestmark = pytest.mark.timeout(120)


def test_salesforce_first_unchanged_and_changed_days(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    first = sync_consumer(conn, "salesforce", D1, run_id="r1")
    assert (first.outcome, first.planned, first.records_pushed) == (
        "success", {"add": 30, "change": 0, "remove": 0}, 30
    )
    assert first.succeeded["add"] == 30
    assert_destination_equals_export(conn, "salesforce", D1)

    load(conn, "salesforce", D2, sf_day(D2))
    seen = len(sf_ctl.requests())
    second = sync_consumer(conn, "salesforce", D2, run_id="r2")
    assert second.outcome == "success" and second.records_pushed == 0
    assert second.planned == {"add": 0, "change": 0, "remove": 0}
    new = sf_ctl.requests()[seen:]
    assert [r for r in new if r["method"] != "GET" and "oauth2/token" not in r["path"]] == []  # no write calls
    assert second.api_calls == len(new) == 1  # the login only

    changed = {"S001:K001", "S002:K003"}
    dropped = {"S003:K002", "S005:K006"}
    load(conn, "salesforce", D3, sf_day(D3, rename=changed, drop=dropped, extra=[("S001", "K099")]))
    seen = len(sf_ctl.requests())
    third = sync_consumer(conn, "salesforce", D3, run_id="r3")
    assert third.planned == {"add": 1, "change": 2, "remove": 2}
    assert third.succeeded == {"add": 1, "change": 2, "remove": 2} and third.records_pushed == 5
    assert sorted(op.key for op in third.plan.changes) == sorted(changed)
    writes = [r for r in sf_ctl.requests()[seen:] if r["method"] in ("PATCH", "DELETE")]
    assert [(w["method"], w["records"]) for w in writes] == [("PATCH", 3), ("DELETE", 2)]
    assert_destination_equals_export(conn, "salesforce", D3)

    rows = sync_runs(conn, "salesforce")
    assert [r["outcome"] for r in rows] == ["success"] * 3
    assert (rows[2]["planned_changes"], rows[2]["succeeded_removes"], rows[2]["api_calls"]) == (2, 2, third.api_calls)
    assert all(r["duration_s"] is not None and r["finished_at"] for r in rows)
    state = dict(conn.execute("select status, count(*) from ops.sync_state where consumer = 'salesforce' "
                              "group by status").fetchall())
    assert state == {"synced": 29}


def test_crm_first_unchanged_and_changed_days(exports, crm_ctl):
    conn = exports
    load(conn, "crm", D1, crm_day(D1))
    first = sync_consumer(conn, "crm", D1, run_id="r1")
    assert first.outcome == "success" and first.succeeded["add"] == 12
    assert_destination_equals_export(conn, "crm", D1)

    load(conn, "crm", D2, crm_day(D2))
    seen = len(crm_ctl.requests())
    second = sync_consumer(conn, "crm", D2, run_id="r2")
    assert second.records_pushed == 0 and second.planned == {"add": 0, "change": 0, "remove": 0}
    assert [r for r in crm_ctl.requests()[seen:] if r["method"] != "GET"] == []

    load(conn, "crm", D3, crm_day(D3, rename={"S004"}, drop={"S007", "S008"}, extra=["S100"]))
    seen = len(crm_ctl.requests())
    third = sync_consumer(conn, "crm", D3, run_id="r3")
    assert third.succeeded == {"add": 1, "change": 1, "remove": 2}
    writes = [(r["path"].rsplit("/", 1)[-1], r["records"]) for r in crm_ctl.requests()[seen:] if r["method"] == "POST"]
    assert writes == [("upsert", 2), ("archive", 2)]  # archive by the HubSpot ids kept in sync_state
    assert_destination_equals_export(conn, "crm", D3)
