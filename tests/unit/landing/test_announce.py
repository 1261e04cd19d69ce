"""Which of the watcher's events a landing run records: its own, and every one that came after them (Airflow may
create the run without queuing a run for an event that came meanwhile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from top_items.landing.announce import delivered

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Event:
    timestamp: datetime
    name: str


def at(seconds: int, name: str) -> Event:
    return Event(T0 + timedelta(seconds=seconds), name)


ALL = [at(0, "a"), at(2, "b"), at(4, "c"), at(6, "d")]


def after(since):
    return [event for event in ALL if event.timestamp >= since]  # the API's bound may include the instant itself


def test_a_run_records_its_own_events_and_every_later_one_once():
    assert [e.name for e in delivered([ALL[1]], after)] == ["b", "c", "d"]
    assert [e.name for e in delivered(ALL[:2], after)] == ["a", "b", "c", "d"]


def test_a_run_with_no_event_of_its_own_records_nothing():
    assert delivered([], after) == []
