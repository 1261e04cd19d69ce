"""The time the landing side judges readiness by: the wall clock, or a simulated one.

A simulated world replays old feed dates, whose cutoff passed long ago by the wall clock; it sets the Airflow
variable ``settings.LANDING_CLOCK_VARIABLE`` to ``{"start": <simulated instant>, "at": <wall instant>, "speed": n}``
so that the landing side's now is ``start + (wall now - at) x speed``: a cutoff six hours away is minutes away at
speed 60. Unset (production), now is the wall clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from top_items import settings


def simulated(spec: dict, wall: datetime) -> datetime:
    start, at = (datetime.fromisoformat(spec[field]) for field in ("start", "at"))
    return start + (wall - at) * float(spec.get("speed", 1))


def on_the_wall(spec: dict, instant: datetime) -> datetime:
    """The wall-clock instant at which the simulated clock reads ``instant`` (``simulated``'s inverse)."""
    start, at = (datetime.fromisoformat(spec[field]) for field in ("start", "at"))
    return at + (instant - start) / float(spec.get("speed", 1))


def _spec() -> dict | None:
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


def setting(start: datetime, speed: float = 1, wall: datetime | None = None) -> str:
    """The variable's value for a simulated clock that reads ``start`` now (or at ``wall``) and runs ``speed``
    times faster than the wall clock."""
    return json.dumps({"start": start.isoformat(), "at": (wall or datetime.now(UTC)).isoformat(), "speed": speed})
