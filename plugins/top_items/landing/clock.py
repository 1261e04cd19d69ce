"""The time the landing side judges readiness by: the wall clock, or a simulated one.

A simulated world replays old feed dates, whose cutoff passed long ago by the wall clock; it sets the Airflow
variable ``settings.LANDING_CLOCK_VARIABLE`` to ``{"start": <simulated instant>, "at": <wall instant>, "speed": n}``
so that the landing side's now is ``start + (wall now - at) x speed``: a cutoff six hours away is minutes away at
speed 60. The value may also be a list of such segments, each starting where the last one's time jumps (a night
passed in a second, as ``make demo`` does), so that an instant before the jump still maps to the wall time it
happened at. Unset (production), now is the wall clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from top_items import settings


def _segments(spec: dict | list[dict]) -> list[dict]:
    return spec if isinstance(spec, list) else [spec]


def _parsed(segment: dict) -> tuple[datetime, datetime, float]:
    start, at = (datetime.fromisoformat(segment[field]) for field in ("start", "at"))
    return start, at, float(segment.get("speed", 1))


def simulated(spec: dict | list[dict], wall: datetime) -> datetime:
    segments = [_parsed(segment) for segment in _segments(spec)]
    start, at, speed = next((s for s in reversed(segments) if s[1] <= wall), segments[0])
    return start + (wall - at) * speed


def on_the_wall(spec: dict | list[dict], instant: datetime) -> datetime:
    """The wall-clock instant at which the simulated clock reads ``instant`` (``simulated``'s inverse). An instant
    that a jump skipped is placed at the jump."""
    segments = [_parsed(segment) for segment in _segments(spec)]
    index = next((i for i in reversed(range(len(segments))) if segments[i][0] <= instant), 0)
    start, at, speed = segments[index]
    wall = at + (instant - start) / speed
    return min(wall, segments[index + 1][1]) if index + 1 < len(segments) else wall


def _spec() -> dict | list[dict] | None:
    from airflow.sdk import Variable

    spec = Variable.get(settings.LANDING_CLOCK_VARIABLE, default=None)
    return json.loads(spec) if spec else None


def now(wall: datetime | None = None) -> datetime:
    wall = wall or datetime.now(UTC)
    spec = _spec()
    return simulated(spec, wall) if spec else wall


def to_wall(instant: datetime) -> datetime:
    """``instant`` of the landing side's clock on the wall clock, which stamps what happened (a push's
    ``finished_at``): a promise due at a simulated 06:00 was kept by a push stamped before the wall read it."""
    spec = _spec()
    return on_the_wall(spec, instant) if spec else instant


def ticks() -> list[str]:
    """The clock's crons, UTC: the cutoff's and the deadline's hour after a day ends (include/sql/vars.yml), and
    each consumer's freshness promise (consumers.yml). The only clocks of the landing side: readiness is otherwise
    decided when something lands."""
    from top_items import rules
    from top_items.activation.promises import promises

    policy = rules.variables()
    hours = sorted({int(policy[name]) % 24 for name in ("landing_cutoff_hours", "landing_deadline_hours")})
    return list(dict.fromkeys([*(f"0 {hour} * * *" for hour in hours), *(p.cron() for p in promises())]))


def _segment(start: datetime, speed: float, wall: datetime | None) -> dict:
    return {"start": start.isoformat(), "at": (wall or datetime.now(UTC)).isoformat(), "speed": speed}


def setting(start: datetime, speed: float = 1, wall: datetime | None = None) -> str:
    """The variable's value for a simulated clock that reads ``start`` now (or at ``wall``) and runs ``speed``
    times faster than the wall clock."""
    return json.dumps(_segment(start, speed, wall))


def jumped(value: str, to: datetime, speed: float = 1, wall: datetime | None = None) -> str:
    """The variable's ``value`` with its time jumped forward: it reads ``to`` now (or at ``wall``), and what it
    read before keeps its place on the wall."""
    spec = json.loads(value)
    wall = wall or datetime.now(UTC)
    if to < simulated(spec, wall):
        raise ValueError(f"a simulated clock only jumps forward: it reads {simulated(spec, wall)}, not before")
    return json.dumps([*_segments(spec), _segment(to, speed, wall)])
