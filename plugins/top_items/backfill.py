"""Re-run a range of past feed dates with one command: one run of the pipeline per day, its partition key the day,
as the landing side's runs have it, created through Airflow's own trigger.

Airflow's ``backfill create`` refuses a DAG scheduled on partitioned assets, and the pipeline is one. These are
ordinary runs of the same DAG, so every guarantee holds: each day builds in a workspace of its own and publishes
whole, days run side by side up to the DAG's ``max_active_runs``, a second run of a day already running waits for
it, and a re-run replaces the day. The DAG must be unpaused for its runs to start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from top_items.settings import PIPELINE_DAG_ID

RUN_ID_PREFIX = "backfill-"  # "backfill__" is Airflow's own, reserved for the runs of its backfills


def days(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if last < first:
        raise ValueError(f"--to {end} is before --from {start}")
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def run_id(day: str, stamp: str) -> str:
    return f"{RUN_ID_PREFIX}{day}__{stamp}"


def create(start: str, end: str, *, dry_run: bool = False) -> list[str]:
    """Trigger one pipeline run per day from ``start`` to ``end``; their run ids."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    created = []
    for day in days(start, end):
        # The day's midnight as logical date too: runs of a backfill start together, and a day's claim waits for
        # the earlier days' runs that have not claimed yet by their logical dates (top_items/claims.py).
        midnight = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
        run = trigger_dag(PIPELINE_DAG_ID, triggered_by=DagRunTriggeredByType.CLI, run_id=run_id(day, stamp),
                          conf={"feed_date": day, "dry_run": dry_run}, partition_key=day, logical_date=midnight)
        created.append(run.run_id)
    return created
