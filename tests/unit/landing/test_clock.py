"""The landing side's clock: the wall clock, or a simulated one that starts at a chosen instant and runs faster."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from top_items import settings
from top_items.landing import clock

WALL = datetime(2026, 12, 3, 20, 0, tzinfo=timezone.utc)


def test_unset_it_is_the_wall_clock(monkeypatch):
    monkeypatch.delenv(f"AIRFLOW_VAR_{settings.LANDING_CLOCK_VARIABLE.upper()}", raising=False)
    assert clock.now(WALL) == WALL


def test_a_simulated_clock_runs_from_its_start_at_its_speed(monkeypatch):
    spec = {"start": "2026-11-26T05:00:00+00:00", "at": WALL.isoformat(), "speed": 60}
    monkeypatch.setenv(f"AIRFLOW_VAR_{settings.LANDING_CLOCK_VARIABLE.upper()}", json.dumps(spec))
    assert clock.now(WALL) == datetime(2026, 11, 26, 5, 0, tzinfo=timezone.utc)
    assert clock.now(WALL + timedelta(minutes=1)) == datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def test_an_instant_of_the_simulated_clock_is_found_on_the_wall(monkeypatch):
    spec = {"start": "2026-11-26T05:00:00+00:00", "at": WALL.isoformat(), "speed": 60}
    monkeypatch.setenv(f"AIRFLOW_VAR_{settings.LANDING_CLOCK_VARIABLE.upper()}", json.dumps(spec))
    assert clock.to_wall(datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)) == WALL + timedelta(minutes=1)


def test_unset_an_instant_is_its_own_wall_time(monkeypatch):
    monkeypatch.delenv(f"AIRFLOW_VAR_{settings.LANDING_CLOCK_VARIABLE.upper()}", raising=False)
    assert clock.to_wall(WALL) == WALL


def test_a_jump_moves_now_and_keeps_the_instants_before_it_on_the_wall():
    night = datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)
    before = clock.setting(night, wall=WALL)
    value = clock.jumped(before, night + timedelta(days=1), wall=WALL + timedelta(minutes=2))
    spec = json.loads(value)
    assert clock.simulated(spec, WALL + timedelta(minutes=1)) == night + timedelta(minutes=1)
    assert clock.simulated(spec, WALL + timedelta(minutes=3)) == night + timedelta(days=1, minutes=1)
    # an instant before the jump is where it was; one the jump skipped is placed at the jump
    assert clock.on_the_wall(spec, night + timedelta(minutes=1)) == WALL + timedelta(minutes=1)
    assert clock.on_the_wall(spec, night + timedelta(hours=3)) == WALL + timedelta(minutes=2)
    assert clock.on_the_wall(spec, night + timedelta(days=1, minutes=1)) == WALL + timedelta(minutes=3)


def test_a_clock_never_jumps_back():
    night = datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="only jumps forward"):
        clock.jumped(clock.setting(night, wall=WALL), night - timedelta(hours=1), wall=WALL)
