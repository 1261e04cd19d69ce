"""A realistic day from the simulator (40 stores, 1% bad rows, one feed missing): every gate passes in a few
seconds, the missing feed is a warning, and the next day is compared with this one."""

from __future__ import annotations

import time
from datetime import date

import pytest

from tests.integration.quality.conftest import gate

pytestmark = pytest.mark.timeout(300)

DAYS = ("2026-11-24", "2026-11-25")
GATES = ("raw", "marts", "export:retailer_app", "export:salesforce", "export:crm")


def _produce(conn, s3, feed_date: str) -> None:
    from top_items.ingest.feeds import load_inventory_feeds
    from top_items.ingest.reference import load_reference_snapshots
    from top_items.simulate.catalog import WorldSpec
    from top_items.simulate.publish import write_day
    from top_items.transform.build import build
    from top_items.transform.models import discover

    write_day(s3, WorldSpec(bad_row_rate=0.01, missing_feeds=1), date.fromisoformat(feed_date))
    load_reference_snapshots(conn, s3, feed_date)
    load_inventory_feeds(conn, s3, feed_date)
    for model in discover():
        build(conn, model, feed_date)


def test_simulated_days_pass_every_gate_quickly(dq, s3):
    seconds = {}
    for day in DAYS:
        _produce(dq, s3, day)
        started = time.monotonic()
        results = {name: gate(dq, name, day, run_id=f"sim-{day}") for name in GATES}
        seconds[day] = time.monotonic() - started

        for name, result in results.items():
            assert result.ok, (name, result.failed)
        raw = results["raw"]
        assert [c.check_name for c in raw.warned] == ["stores without a feed for the day"]
        history = [c for r in results.values() for c in r.checks if c.check_path.startswith("checks.metric.history-")]
        assert len(history) == 4
        expected = "no_history" if day == DAYS[0] else "pass"
        assert {c.outcome for c in history} == {expected}, history

    assert seconds[DAYS[1]] < 5, seconds  # all five gates of a 40-store day, Soda already imported
    stored = dq.execute("select count(*), count(distinct run_id) from ops.dq_results").fetchone()
    assert stored[1] == 2 and stored[0] > 100
    assert dq.execute("select count(*) from ops.dq_metrics").fetchone()[0] == 8  # 2 datasets x 2 metrics x 2 days
