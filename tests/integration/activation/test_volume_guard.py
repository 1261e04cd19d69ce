"""The volume guard against the live mocks: a jump or drop beyond the bound is blocked, recorded and nothing moves."""

from __future__ import annotations

import pytest

from tests.integration.activation.conftest import D1, D2, load, sf_day
from top_items.activation.sync import VolumeGuardBlocked, sync_consumer


def test_a_tenfold_export_is_blocked_and_the_destination_keeps_its_records(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1, stores=2))
    first = sync_consumer(conn, "salesforce", D1, run_id="r1")
    assert first.outcome == "success"
    load(conn, "salesforce", D2, sf_day(D2, stores=20))  # 10x the rows: a misfiring model
    writes_before = len(sf_ctl.writes())

    with pytest.raises(VolumeGuardBlocked, match=r"10\.00x the .* held after the last successful sync"):
        sync_consumer(conn, "salesforce", D2, run_id="r2")

    assert len(sf_ctl.writes()) == writes_before
    outcome, detail = conn.execute("select outcome, detail from ops.sync_runs where run_id = 'r2'").fetchone()
    assert outcome == "blocked" and "override_volume_guard" in detail


def test_an_override_pushes_beyond_the_bound_and_says_so(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1, stores=2))
    sync_consumer(conn, "salesforce", D1, run_id="r1")
    load(conn, "salesforce", D2, sf_day(D2, stores=20))

    result = sync_consumer(conn, "salesforce", D2, run_id="r2", override_volume_guard=True)

    assert result.outcome == "success" and result.succeeded["add"] > 0
    assert "volume guard override" in result.detail


def test_a_first_sync_has_no_baseline_and_is_allowed(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1, stores=20))

    result = sync_consumer(conn, "salesforce", D1, run_id="r1", dry_run=True)

    assert result.outcome == "dry_run" and "first sync: no baseline yet" in result.detail


def test_a_backfill_is_not_blocked_by_the_guard_and_rolls_nothing_back(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D2, sf_day(D2, stores=20))
    sync_consumer(conn, "salesforce", D2, run_id="r2")
    load(conn, "salesforce", D1, sf_day(D1, stores=2))  # an older, much smaller day
    writes_before = len(sf_ctl.writes())

    result = sync_consumer(conn, "salesforce", D1, run_id="r1")

    assert result.outcome == "skipped" and "backfill" in result.detail
    assert len(sf_ctl.writes()) == writes_before
