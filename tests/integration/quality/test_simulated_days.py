"""A realistic day from the simulator (40 stores, 1% bad rows, one feed missing): every gate passes, the
missing feed is a warning, and the next day is compared with this one."""

from __future__ import annotations

from datetime import date

import pytest

from top_items.quality import run_gate

pytestmark = pytest.mark.timeout(300)

DAYS = ("2026-11-24", "2026-11-25")
GATES = ("raw", "marts", "export:retailer_app", "export:salesforce", "export:crm")
MISSING_FEED = "stores in the snapshot in force without a feed for the day"


def _produce(conn, s3, feed_date: str):
    from sandbox.simulate.catalog import WorldSpec
    from sandbox.simulate.publish import write_day
    from top_items.ingest.feeds import load_inventory_feeds
    from top_items.ingest.reference import load_reference_snapshots
    from top_items.transform.build import build
    from top_items.transform.models import discover
    from top_items.transform.workspace import Workspace

    write_day(s3, WorldSpec(bad_row_rate=0.01, missing_feeds=1), date.fromisoformat(feed_date))
    load_reference_snapshots(conn, s3, feed_date)
    load_inventory_feeds(conn, s3, feed_date)
    workspace = Workspace(feed_date, f"sim-{feed_date}")
    for model in discover():
        build(conn, model, workspace)
    return workspace


def test_simulated_days_pass_every_gate(dq, s3):
    from top_items.quality import history as metric_history
    from top_items.transform.publish import publish

    for day in DAYS:  # how long the gates take is make bench's to measure (gate_raw, gate_marts, gate_exports)
        workspace = _produce(dq, s3, day)
        results = {name: run_gate(dq, name, day, run_id=workspace.run_id, layers=workspace.variables())
                   for name in GATES}
        publish(dq, workspace)
        metric_history.record(dq, ["marts.store_missing_top_items"], day, workspace.run_id)  # as the publish task does

        for name, result in results.items():
            assert result.ok, (name, result.failed)
            assert not [c for c in result.warned if c.check_name != MISSING_FEED], (name, result.warned)
        assert [c.check_name for c in results["raw"].warned] == [MISSING_FEED]
        history = [c for r in results.values() for c in r.checks if ".history-" in c.check_path]
        assert len(history) > 15  # a comparison with its normal for each aggregate and distribution
        expected = {"no_history"} if day == DAYS[0] else {"pass"}
        assert {c.outcome for c in history} == expected, [(c.dataset, c.check_name, c.outcome, c.measured_value)
                                                          for c in history if c.outcome not in expected]

    stored = dq.execute("select count(*), count(distinct run_id) from ops.dq_results").fetchone()
    assert stored[1] == 2 and stored[0] > 100
    assert dq.execute("select count(distinct dataset), count(distinct feed_date) from ops.dq_metrics").fetchone() \
        == (6, 2)  # the feed, the three snapshots, the overrides in force and the recommendations, each day
