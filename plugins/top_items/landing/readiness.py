"""Whether a feed date's feeds (and reference snapshots) have landed enough to run it: the readiness policy of
include/sql/vars.yml (``landing_cutoff_hours``, ``landing_cutoff_share``, ``landing_deadline_hours``), computed in SQL
over ``ops.landings`` and the stores snapshot in force (include/sql/ops/landing_readiness.sql).

Not the promotion bar of ``top_items/readiness.py``: this says when a day may start, that one what a consumer needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from top_items import rules, settings, sqlfiles

QUERY = "ops/landing_readiness.sql"
READY = ("complete", "cutoff")  # the states in which the day may run; "waiting" and "late" may not


@dataclass(frozen=True)
class DayReadiness:
    state: str  # complete, cutoff, late or waiting
    expected: int  # stores in the stores snapshot in force
    landed: int  # of those, how many have landed a feed
    missing: list[str]

    @property
    def ready(self) -> bool:
        return self.state in READY


def readiness(conn, feed_date: str, now: datetime) -> DayReadiness:
    [statement] = sqlfiles.statements(sqlfiles.read(QUERY))
    row = conn.execute(statement, {**rules.variables(), "feed_date": feed_date, "now": now,
                                   "reference_tables": len(settings.REFERENCE_TABLES)}).fetchone()
    return DayReadiness(state=row[0], expected=row[1], landed=row[2], missing=list(row[3]))
