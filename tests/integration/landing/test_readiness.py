"""A feed date's readiness from what has landed: complete with every store of the stores snapshot in force, ready at
the cutoff with enough of them, late past the deadline, waiting otherwise (include/sql/vars.yml)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from math import ceil

import pytest

from tests.support import landing_records
from tests.support.landing_records import snapshot
from top_items import rules, settings
from top_items.landing import readiness

D = "2026-11-25"
DAY_END = datetime(2026, 11, 26, tzinfo=timezone.utc)
STORES = [f"S{n:04d}" for n in range(1, 11)]
CUTOFF = DAY_END + timedelta(hours=rules.variables()["landing_cutoff_hours"])
DEADLINE = DAY_END + timedelta(hours=rules.variables()["landing_deadline_hours"])
ENOUGH = ceil(len(STORES) * rules.variables()["landing_cutoff_share"])


def land(conn, stores: list[str], day: str = D) -> None:
    landing_records.land(conn, stores, day)


def land_references(conn, day: str = D, tables=settings.REFERENCE_TABLES) -> None:
    landing_records.land_references(conn, day, tables)


@pytest.fixture
def stores_in_force(warehouse):
    snapshot(warehouse, "2026-11-01", ["S9999"])  # an older snapshot: not the one in force on D
    snapshot(warehouse, "2026-11-20", STORES)
    snapshot(warehouse, "2026-11-30", [*STORES, "S0011"])  # a later one: not yet in force on D
    return warehouse


def judge(conn, now: datetime) -> tuple:
    found = readiness.readiness(conn, D, now)
    return found.state, found.ready, found.expected, found.landed, found.missing


def test_every_store_in_force_and_every_reference_snapshot_landed_is_complete_at_once(stores_in_force):
    land(stores_in_force, STORES)
    land(stores_in_force, ["S9999"])  # a store not in the snapshot in force counts for nothing
    land_references(stores_in_force, tables=settings.REFERENCE_TABLES[:-1])
    land_references(stores_in_force, day="2026-11-24")  # another day's snapshots count for nothing
    before = DAY_END - timedelta(hours=12)
    assert judge(stores_in_force, before) == ("waiting", False, 10, 10, [])  # a reference snapshot still to land
    land_references(stores_in_force, tables=settings.REFERENCE_TABLES[-1:])
    assert judge(stores_in_force, before) == ("complete", True, 10, 10, [])


def test_enough_stores_are_ready_at_the_cutoff_and_not_before(stores_in_force):
    land(stores_in_force, STORES[:ENOUGH])
    land(stores_in_force, STORES[ENOUGH:], day="2026-11-24")  # the missing stores' feeds of another day
    missing = STORES[ENOUGH:]
    assert judge(stores_in_force, CUTOFF - timedelta(seconds=1)) == ("waiting", False, 10, ENOUGH, missing)
    assert judge(stores_in_force, CUTOFF) == ("cutoff", True, 10, ENOUGH, missing)


def test_too_few_stores_wait_past_the_cutoff_and_are_late_past_the_deadline(stores_in_force):
    land(stores_in_force, STORES[:ENOUGH - 1])
    assert judge(stores_in_force, CUTOFF + timedelta(hours=1))[:2] == ("waiting", False)
    assert judge(stores_in_force, DEADLINE)[:2] == ("late", False)


def test_no_stores_snapshot_in_force_waits(warehouse):
    land(warehouse, STORES)
    assert judge(warehouse, DEADLINE) == ("waiting", False, 0, 0, [])
