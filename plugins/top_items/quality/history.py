"""Metric history for "vs normal" checks, in ops.dq_metrics (include/sql/ops/quality.sql).

What a metric means is defined once, in SQL (``ops.dq_measure``); the contracts compare today with its normal
(``ops.dq_normal``: the latest good day, then the median of a window of good days, by weekday where the metric has a
weekly rhythm) through ``ops.dq_change_pct`` and friends, and the gate records today's values here only when the gate
passed, so a bad day never becomes the baseline.
"""

from __future__ import annotations


def previous_good_day(conn, dataset: str, feed_date: str):
    """The latest recorded (good) day before ``feed_date``; None on the first day."""
    return conn.execute("select ops.dq_previous_good_day(%s, %s::date)", (dataset, feed_date)).fetchone()[0]


def record(conn, datasets, feed_date: str, run_id: str, schemas: dict[str, str] | None = None) -> int:
    """Replace ``feed_date``'s metrics for ``datasets`` with today's values; returns the rows written.

    ``schemas``: where each layer's tables are for this run (the run's workspace for marts and exports).
    """
    written = 0
    for dataset in datasets:
        schema = (schemas or {}).get(dataset.split(".")[0])
        conn.execute("delete from ops.dq_metrics where dataset = %s and feed_date = %s::date", (dataset, feed_date))
        cur = conn.execute(
            "insert into ops.dq_metrics (dataset, metric, feed_date, value, run_id) "
            "select %s, m.metric, %s::date, m.value, %s from ops.dq_measure(%s, %s::date, %s) as m",
            (dataset, feed_date, run_id, dataset, feed_date, schema))
        written += cur.rowcount
    return written
