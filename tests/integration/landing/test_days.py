"""What the landing side decides about a feed date, once each: ready when complete or at the cutoff, a re-run for a
feed within the late window, too late past it, and a missed deadline, even when nothing landed at all."""

from __future__ import annotations

from datetime import timedelta
from math import ceil

import pytest

from tests.support.landing_records import land, land_references, snapshot
from top_items import rules
from top_items.landing import days
from top_items.landing.days import MISSED, READY, RERUN, TOO_LATE

D = "2026-11-25"
STORES = [f"S{n:04d}" for n in range(1, 21)]
POLICY = rules.variables()
DAY_END = days.day_end(D)
CUTOFF = DAY_END + timedelta(hours=POLICY["landing_cutoff_hours"])
DEADLINE = DAY_END + timedelta(hours=POLICY["landing_deadline_hours"])
WINDOW_ENDS = DAY_END + timedelta(days=POLICY["landing_late_window_days"])
ENOUGH = ceil(len(STORES) * POLICY["landing_cutoff_share"])


@pytest.fixture
def conn(warehouse):
    snapshot(warehouse, "2026-11-20", STORES)
    return warehouse


def at_clock(conn, now) -> list[days.Decision]:
    """The clock's decisions on D (the day before is due too, and nothing landed for it)."""
    return [decision for decision in days.at_clock(conn, now) if decision.day == D]


def after(conn, stores: list[str], now, references: list[str] = ()) -> list[tuple]:
    new = land(conn, stores, D)
    decided = days.after_landings(conn, {D: [landing.store_id for landing in new]} if new else {}, list(references),
                                  now)
    return [(d.day, d.event, d.reason, d.stores) for d in decided]


def test_a_complete_day_is_announced_once_and_a_duplicate_changes_nothing(conn):
    early = DAY_END - timedelta(hours=2)
    assert after(conn, STORES, early) == []  # the reference snapshots of D have not landed
    land_references(conn, D)
    assert after(conn, [], early, references=[D]) == [(D, READY, "complete", [])]
    assert after(conn, STORES, early) == []  # the same landings again: nothing new, nothing decided
    assert days.after_landings(conn, {}, [D], early) == []  # nor a reference snapshot seen again


def test_enough_stores_wait_for_the_cutoff_clock_which_announces_them_once(conn):
    land_references(conn, D)
    assert after(conn, STORES[:ENOUGH], CUTOFF - timedelta(minutes=1)) == []
    [decision] = at_clock(conn, CUTOFF)
    assert (decision.event, decision.reason, decision.stores) == (READY, "cutoff", STORES[ENOUGH:])
    assert at_clock(conn, DEADLINE) == []  # announced: the deadline has nothing to say


def test_a_feed_after_the_day_was_announced_reruns_it_within_the_window_and_is_too_late_past_it(conn):
    land_references(conn, D)
    after(conn, STORES[:ENOUGH], CUTOFF - timedelta(minutes=1))
    at_clock(conn, CUTOFF)
    late = STORES[ENOUGH:]
    assert after(conn, late[:1], WINDOW_ENDS) == [(D, RERUN, "a feed landed after the day was announced", late[:1])]
    assert after(conn, late[1:], WINDOW_ENDS + timedelta(seconds=1)) == [
        (D, TOO_LATE, "a feed landed after the day was announced", late[1:])]
    assert after(conn, late, WINDOW_ENDS + timedelta(days=1)) == []  # each late file is told once


def test_too_few_stores_by_the_deadline_miss_it_once_and_the_rest_landing_later_makes_the_day_ready(conn):
    land_references(conn, D)
    after(conn, STORES[:ENOUGH - 1], CUTOFF - timedelta(minutes=1))
    assert at_clock(conn, CUTOFF) == []  # too few at the cutoff: wait
    assert days.after_landings(conn, {}, [D], DEADLINE) == []  # a landing never pages the deadline; the clock does
    [missed] = at_clock(conn, DEADLINE)
    assert (missed.event, missed.landed, missed.stores) == (MISSED, ENOUGH - 1, STORES[ENOUGH - 1:])
    assert at_clock(conn, DEADLINE + timedelta(hours=1)) == []  # paged once
    assert after(conn, STORES[ENOUGH - 1:], DEADLINE + timedelta(hours=2)) == [(D, READY, "complete", [])]


def test_a_day_on_which_nothing_landed_still_misses_its_deadline(conn):
    [missed] = at_clock(conn, DEADLINE)
    assert (missed.day, missed.event, missed.landed, missed.expected, missed.stores) == (D, MISSED, 0, 20, STORES)
    assert "0 of 20 stores landed; 20 missing: S0001, " in missed.line() and missed.line().endswith("S0010 ...")


def test_the_clock_judges_the_days_between_their_cutoff_and_a_day_past_their_deadline():
    assert days.due(CUTOFF) == ["2026-11-24", D]
    assert days.due(CUTOFF - timedelta(minutes=1)) == ["2026-11-24"]  # D is not due before its cutoff
    assert D not in days.due(DEADLINE + timedelta(hours=24, minutes=1))
