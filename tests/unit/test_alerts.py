"""The alert texts: a failure names its cause; a recovery names the incident it closes."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from top_items.alerts import PagerNotifier, build_alert, build_recovery, incident_key, recovers


def context(run_id: str, feed_date: str | None = None, exception: Exception | None = None) -> dict:
    ti = SimpleNamespace(dag_id="top_items_pipeline", task_id="gate_raw", run_id=run_id, try_number=3,
                         log_url=f"http://ui/{run_id}/gate_raw")
    return {"ti": ti, "params": {"feed_date": feed_date}, "exception": exception,
            "logical_date": datetime(2026, 11, 25, tzinfo=timezone.utc)}


def test_a_recovery_names_the_incident_it_closes():
    incident = build_alert(context("run_1", "2026-11-24", ValueError("3 checks failed\\nraw.stores: rows -40%")))
    recovery = build_recovery(context("run_2"), incident)
    assert (recovery["event"], recovery["severity"], recovery["feed_date"]) == ("recovery", "info", "2026-11-25")
    assert recovery["resolves"] == incident["dedup_key"] == recovery["dedup_key"]
    assert recovery["incident"]["run_id"] == "run_1" and recovery["incident"]["cause"] == incident["cause"]
    assert "gate_raw recovered" in recovery["summary"] and "run_1" in recovery["summary"]


def test_one_incident_per_task_whichever_run_broke_it():
    assert incident_key("top_items_pipeline", "gate_raw") == "top_items.incident.top_items_pipeline.gate_raw"


def test_a_notifier_is_for_failures_or_recoveries():
    with pytest.raises(ValueError, match="failure"):
        PagerNotifier("retry")


@pytest.mark.parametrize(("succeeded_for", "closes"), [("2026-11-24", False), ("2026-11-25", True),
                                                       ("2026-11-26", True)])
def test_a_success_closes_an_incident_of_its_day_or_an_earlier_one_never_a_later_one(succeeded_for, closes):
    # a backfill of older days that succeeds while the 25th is broken must not say the 25th recovered
    assert recovers(build_alert(context("run_1", "2026-11-25")), succeeded_for) is closes
