"""The feed date a run processes, by one rule for the tasks that load it and the alerts that name it."""

from __future__ import annotations

from datetime import date


def of_run(requested, logical_date, partition_key=None) -> str | None:
    """The ``feed_date`` param when given (as YYYY-MM-DD), else the run's partition key (a run the landing side
    started for a ready day has no logical date), else its logical date; None when it has none of them.

    A param or a partition key that is not a date raises ValueError.
    """
    if requested:
        return date.fromisoformat(str(requested)).isoformat()
    if partition_key:
        return date.fromisoformat(str(partition_key)).isoformat()
    return None if logical_date is None else logical_date.date().isoformat()


def inputs(context) -> tuple:
    """What ``of_run`` reads, from a task's context."""
    return (context["params"].get("feed_date"), context.get("logical_date"),
            getattr(context.get("dag_run"), "partition_key", None))
