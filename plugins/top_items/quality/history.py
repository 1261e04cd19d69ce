"""Metric history for "vs normal" checks, in ops.dq_metrics (include/sql/ops/quality.sql).

What a metric means is defined once, in SQL (``ops.dq_measure``); the contracts compare today with its normal
(``ops.dq_normal``: the latest good day, then the median of a window of good days, by weekday where the metric has a
weekly rhythm) through ``ops.dq_change_pct`` and friends, and the gate records today's values here only when the gate
passed, so a bad day never becomes the baseline.
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)


def previous_good_day(conn, dataset: str, feed_date: str):
    """The latest recorded (good) day before ``feed_date``; None on the first day."""
    return conn.execute("select ops.dq_previous_good_day(%s, %s::date)", (dataset, feed_date)).fetchone()[0]


def measure(conn, gate_run: str, dataset: str, feed_date: str, schema: str | None) -> int:
    """Today's measures of ``dataset``, taken once for the gate run ``gate_run``: its checks read them
    (ops.dq_gate_measures) instead of measuring the day again. Returns the rows taken.

    A dataset that cannot be measured (a missing table, a broken query) takes none: the checks that read its
    measures then err, as every check on it does, and the gate fails with the rest of its contracts verified.
    A lost connection is raised, for the task's retries.
    """
    try:
        return conn.execute(
            "insert into ops.dq_gate_measures (gate_run, dataset, metric, value) "
            "select %s, %s, m.metric, m.value from ops.dq_measure(%s, %s::date, %s) as m",
            (gate_run, dataset, dataset, feed_date, schema)).rowcount
    except (psycopg.ProgrammingError, psycopg.DataError) as error:
        log.warning("gate run %s: %s could not be measured: %s", gate_run, dataset, str(error).splitlines()[0])
        return 0


def forget(conn, gate_run: str) -> None:
    """The gate run's measures, dropped when it ends: nothing else reads them. So are those a killed run left a day
    ago or more (no gate run lasts that long)."""
    conn.execute("delete from ops.dq_gate_measures where gate_run = %s or measured_at < now() - interval '1 day'",
                 (gate_run,))


def record(conn, datasets, feed_date: str, run_id: str, schemas: dict[str, str] | None = None, *,
           gate_run: str | None = None) -> int:
    """Replace ``feed_date``'s metrics for ``datasets`` with today's values; returns the rows written.

    ``schemas``: where each layer's tables are for this run (the run's workspace for marts and exports).
    ``gate_run``: the gate run that measured them (``measure``), whose values are copied; else measured now.
    """
    written = 0
    for dataset in datasets:
        schema = (schemas or {}).get(dataset.split(".")[0])
        conn.execute("delete from ops.dq_metrics where dataset = %s and feed_date = %s::date", (dataset, feed_date))
        if gate_run:
            cur = conn.execute(
                "insert into ops.dq_metrics (dataset, metric, feed_date, value, run_id) "
                "select dataset, metric, %s::date, value, %s from ops.dq_gate_measures "
                "where gate_run = %s and dataset = %s", (feed_date, run_id, gate_run, dataset))
        else:
            cur = conn.execute(
                "insert into ops.dq_metrics (dataset, metric, feed_date, value, run_id) "
                "select %s, m.metric, %s::date, m.value, %s from ops.dq_measure(%s, %s::date, %s) as m",
                (dataset, feed_date, run_id, dataset, feed_date, schema))
        written += cur.rowcount
    return written
