"""The pause switch: a paused consumer is planned every run but nothing reaches it, the run summary says so, and
once resumed the next run pushes exactly the difference."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowSkipException

from tests.support.activation import D1, D2, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export
from top_items import cli, tasks
from top_items.activation import decisions
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import DecisionRefused
from top_items.activation.pause import is_paused, set_paused
from top_items.summary import format_summary, gather

pytestmark = pytest.mark.timeout(120)

CHANGED = {"S001:K001", "S002:K003", "S004:K005"}


def test_a_paused_consumer_is_planned_not_pushed_and_converges_once_resumed(exports, sf_ctl, capsys):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    sync_consumer(conn, "salesforce", D1, run_id="r1")
    assert cli.main(["pause", "salesforce", "--by", "alice", "--reason", "Salesforce sandbox refresh"]) == 0
    assert is_paused("salesforce", conn=conn) and not is_paused("crm", conn=conn)
    load(conn, "salesforce", D2, sf_day(D2, rename=CHANGED))
    writes = len(sf_ctl.writes())

    paused = sync_consumer(conn, "salesforce", D2, run_id="r2")

    assert len(sf_ctl.writes()) == writes and paused.records_pushed == 0 and paused.api_calls == 0
    assert_destination_equals_export(conn, "salesforce", D1)  # record for record what it held
    row = sync_runs(conn, "salesforce")[-1]
    assert (row["outcome"], row["planned_changes"], row["planned_restamps"]) == ("skipped", 3, 27)
    assert row["detail"].startswith("paused by alice") and "Salesforce sandbox refresh" in row["detail"]
    with pytest.raises(AirflowSkipException, match="paused by alice"):  # the weekly reconcile repairs nothing there
        tasks.reconcile_consumer("salesforce", "weekly")
    text = format_summary(gather(conn, D2))
    assert "salesforce     external   salesforce  paused" in text
    assert "salesforce is paused by alice" in text

    assert cli.main(["pause", "salesforce", "--off", "--by", "bob", "--reason", "refresh done"]) == 0
    resumed = sync_consumer(conn, "salesforce", D2, run_id="r2-again")

    assert resumed.outcome == "success" and resumed.planned == {"add": 0, "change": 3, "restamp": 27, "remove": 0}
    assert_destination_equals_export(conn, "salesforce", D2)
    assert [(d.decision, d.decided_by) for d in decisions.recent(conn, "salesforce")] == [("unpause", "bob"),
                                                                                         ("pause", "alice")]
    capsys.readouterr()
    cli.main(["decisions", "--consumer", "salesforce"])
    assert "pause by alice" in capsys.readouterr().out


def test_a_switch_needs_who_and_why_and_records_nothing_when_it_does_not_move(exports):
    with pytest.raises(DecisionRefused):
        set_paused("crm", True, by="alice", reason=" ", conn=exports)
    with pytest.raises(DecisionRefused):
        set_paused("crm", True, by="", reason="maintenance", conn=exports)
    assert set_paused("crm", False, by="alice", reason="not paused anyway", conn=exports)["changed"] is False
    assert set_paused("crm", True, by="alice", reason="maintenance", conn=exports)["changed"] is True
    assert set_paused("crm", True, by="bob", reason="again", conn=exports)["changed"] is False
    assert [d.decision for d in decisions.recent(exports, "crm")] == ["pause"]
    with pytest.raises(KeyError):
        set_paused("nobody", True, by="alice", reason="typo", conn=exports)
