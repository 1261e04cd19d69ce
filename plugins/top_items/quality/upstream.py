"""What upstream drift a downstream failure most likely comes from.

A check past the raw gate (the recommendations' churn, an export's rows) or a consumer's volume guard can fire
because an input drifted within its own bounds: a twentieth of the stores moved market, a catalogue renamed a few
of its best sellers. The alert then says so, naming the input, the measure, the keys and the normal, so on-call
starts at the cause rather than at the churn. The measures and their normals are the keyed drift's
(``ops.dq_upstream_drift``, include/sql/ops/drift.sql).
"""

from __future__ import annotations

import logging

from top_items.quality import contracts
from top_items.quality.outcomes import CAUSE_KEYS, DRIFT_QUALIFIER_PREFIX, Cause

log = logging.getLogger(__name__)
PREFIX = "upstream drift, the likely cause: "


def upstream_cause(conn, feed_date: str) -> Cause | None:
    """The day's most out-of-line input drift still within its bounds (None: every input looks like its normal)."""
    found = conn.execute("select dataset, metric, value, base, unit, normal from ops.dq_upstream_drift(%s::date) "
                         "limit 1", (feed_date,)).fetchone()
    if found is None:
        return None
    dataset, metric, value, base, unit, normal = found
    keys = tuple(key for (key,) in conn.execute(
        "select key from ops.dq_drift_keys(%s, %s::date) where metric = %s order by key limit %s",
        (dataset, feed_date, metric, CAUSE_KEYS + 1)))
    names = contracts.check_names(contracts.contract_path(dataset))
    return Cause(dataset=dataset, feed_date=feed_date, measure=names.get(DRIFT_QUALIFIER_PREFIX + metric, metric),
                 count=round(float(value) * base / 100), base=base, unit=unit, keys=keys,
                 normal=None if normal is None else float(normal))


def explained(conn, feed_date: str, message: str) -> str:
    """``message`` with a first line naming the upstream drift behind it, when there is one. The line is a
    courtesy: when it cannot be worked out (a warehouse without the quality layer), the message stands alone."""
    try:
        with conn.transaction():  # a savepoint: a failure here leaves the caller's transaction usable
            cause = upstream_cause(conn, feed_date)
    except Exception as exc:  # noqa: BLE001
        log.warning("no upstream cause for %s: %s: %s", feed_date, type(exc).__name__, exc)
        return message
    return message if cause is None else f"{PREFIX}{cause}\n{message}"
