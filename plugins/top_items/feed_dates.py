"""The feed date a run processes, by one rule for the tasks that load it and the alerts that name it."""

from __future__ import annotations

from datetime import date


def of_run(requested, logical_date) -> str | None:
    """The ``feed_date`` param when given (as YYYY-MM-DD), else the run's logical date; None when it has neither.

    A param that is not a date raises ValueError.
    """
    if requested:
        return date.fromisoformat(str(requested)).isoformat()
    return None if logical_date is None else logical_date.date().isoformat()
