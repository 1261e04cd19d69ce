"""Measured: API calls per 10k changed records (Salesforce composite vs Bulk 2.0, CRM) and on an unchanged day.

Run alone to see the figures: ``pytest tests/integration/activation/test_measure.py -s``.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.support.activation import D1, D2, D3, crm_day, destination_for, load, sf_day
from top_items.activation.engine import sync_consumer

pytestmark = pytest.mark.timeout(600)

N = 10_000


def measure(conn, name: str, rows_for, destination_kwargs: dict) -> dict:
    """Day 1: N adds, then again (a re-run); day 2 unchanged (restamps); day 3: every row changed (beyond the
    churn bound: overridden). Returns calls and timings per phase."""
    figures = {}
    for label, day, rows in (("create", D1, rows_for(D1, False)), ("unchanged", D1, rows_for(D1, False)),
                             ("restamp", D2, rows_for(D2, False)), ("change_all", D3, rows_for(D3, True))):
        load(conn, name, day, rows)
        started = time.monotonic()
        result = sync_consumer(conn, name, day, run_id=label, destination=destination_for(name, **destination_kwargs),
                               override_volume_guard=label == "change_all")
        assert result.outcome == "success", result.detail
        figures[label] = {"records_pushed": result.records_pushed, "api_calls": result.api_calls,
                          "seconds": round(time.monotonic() - started, 2)}
    return figures


def sf_rows(day, changed):
    rows = sf_day(day, stores=400, skus=25)
    return [{**r, "sku_name": r["sku_name"] + " v2"} for r in rows] if changed else rows


def crm_rows(day, changed):
    return crm_day(day, stores=N, rename={f"S{i:03d}" for i in range(1, N + 1)} if changed else ())


def test_api_calls_per_10k_records(exports, sf_ctl, crm_ctl):
    crm_ctl.config(rate_limit_max=100_000)  # the real portal's burst limit is a sizing question, not this one
    figures = {
        "salesforce_composite": measure(exports, "salesforce", sf_rows, {"bulk_threshold": None}),
    }
    exports.execute("delete from ops.sync_state")
    exports.execute("delete from ops.sync_runs")
    sf_ctl.reset()
    figures["salesforce_bulk"] = measure(exports, "salesforce", sf_rows, {})
    jobs = [r for r in sf_ctl.requests() if r["method"] == "POST" and r["path"].rstrip("/").endswith("/jobs/ingest")]
    figures["salesforce_bulk"]["bulk_jobs"] = len(jobs)
    figures["crm"] = measure(exports, "crm", crm_rows, {})
    print("\nAPI calls per 10k records:\n" + json.dumps(figures, indent=2))

    for phases in figures.values():
        assert {phases[p]["records_pushed"] for p in ("create", "restamp", "change_all")} == {N}
        assert phases["unchanged"] == {**phases["unchanged"], "records_pushed": 0, "api_calls": 0}  # not even a login
    assert figures["salesforce_composite"]["change_all"]["api_calls"] == 1 + N // 200
    assert figures["salesforce_composite"]["restamp"]["api_calls"] == 1 + N // 200
    assert figures["salesforce_bulk"]["change_all"]["api_calls"] <= 10
    assert figures["salesforce_bulk"]["bulk_jobs"] == 3  # one per run with records to send: create, restamp, change
    assert figures["crm"]["change_all"]["api_calls"] == 1 + N // 100
