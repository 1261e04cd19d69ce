"""Reconcile: read a destination back, compare it with the published export and ops.sync_state, repair the drift.

Drift a push cannot see, because a push only diffs the export against the ledger:

    orphan    the destination holds a record the export does not (accepted, never recorded, then gone)
    missing   the export has a record the destination lacks (removed by hand, lost)
    stale     the destination's record differs from the export's (edited by hand)
    restamp   only its stamp fields are behind
    state     the destination and the export agree, the ledger does not (wrong hash, unknown id, ghost key)

Orphans go as the consumer's ``on_remove`` says (``ignore``: listed, left), missing and stale records are
pushed, and the ledger is corrected; one ops.sync_runs row with mode ``reconcile`` records it all.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from top_items.activation import destinations, ledger
from top_items.activation.destinations import Destination, Snapshot
from top_items.activation.engine import SyncRun, publish, push_ops, recorded
from top_items.activation.errors import SyncError
from top_items.activation.plan import (
    ADD,
    CHANGE,
    REMOVE,
    RESTAMP,
    Op,
    Outcome,
    Plan,
    list_items,
    map_row,
    record_key,
    row_hash,
)
from top_items.registry import Consumer, consumer

log = logging.getLogger(__name__)

DRIFT = ("orphan", "missing", "stale", "restamp", "state")
KIND_OF = {"orphan": REMOVE, "missing": ADD, "stale": CHANGE, "restamp": RESTAMP}


@dataclass
class Reconciliation:
    run: SyncRun
    drift: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in DRIFT})

    def table(self, limit: int = 8) -> str:
        lines = [f"{'drift':<8} {'records':>7}  keys"]
        for name, keys in self.drift.items():
            shown = ", ".join(keys[:limit]) + (" ..." if len(keys) > limit else "")
            lines.append(f"{name:<8} {len(keys):>7}  {shown}")
        return "\n".join(lines)


def reconcile(conn, consumer_name: str, *, run_id: str | None, dry_run: bool = False,
              destination: Destination | None = None) -> Reconciliation:
    """Compare and repair one consumer against its newest pushed feed date (``dry_run``: compare only)."""
    target = destination or destinations.build(consumer(consumer_name))
    spec = target.consumer
    feed_date = ledger.newest_pushed_feed_date(conn, spec.name)
    if feed_date is None:
        raise SyncError(f"{spec.name} was never pushed: nothing to reconcile")
    result = Reconciliation(SyncRun(spec, feed_date.isoformat(), run_id, "reconcile"))
    with recorded(conn, result.run, target):
        _reconcile(conn, result, target, dry_run)
    return result


def _reconcile(conn, result: Reconciliation, destination: Destination, dry_run: bool) -> None:
    run, spec = result.run, result.run.consumer
    destination.connect()
    state = ledger.load_state(conn, spec.name)
    export = {record_key(spec, row): map_row(spec, row) for row in ledger.export_rows(conn, spec, run.feed_date)}
    held = destination.read_back()
    run.plan = plan = Plan(records=list(export.values()), rows=len(export))
    matched: list[Outcome] = []  # destination == export: what the ledger must say
    for key, record in export.items():
        digest = row_hash(spec, record)
        there = held.get(key)
        drift = _compare(spec, record, there)
        if drift:
            result.drift[drift].append(key)
            plan.ops[KIND_OF[drift]].append(Op(KIND_OF[drift], key, record, digest, there and there["id"],
                                               items=list_items(spec, record)))
            continue
        known = state.get(key)
        agreed = (digest, _id(destination, there), "synced", run.feed_date if spec.stamp_fields else None)
        if known is None or (known.row_hash, known.destination_id, known.status,
                             known.feed_date if spec.stamp_fields else None) != agreed:
            result.drift["state"].append(key)
            matched.append(Outcome(Op(CHANGE, key, None, digest, items=list_items(spec, record)), True,
                                   _id(destination, there)))
    for key in sorted(set(held) - set(export)):
        result.drift["orphan"].append(key)
        plan.ops[REMOVE].append(Op(REMOVE, key, None, None, held[key]["id"]))
    ghosts = sorted(set(state) - set(export) - set(held))  # the ledger holds what nobody has
    result.drift["state"] += ghosts
    matched += [Outcome(Op(REMOVE, key, None, None), True) for key in ghosts]
    run.counts.update({ledger.counter("planned", kind): n for kind, n in plan.counts().items()})
    drifted = sum(map(len, result.drift.values()))
    run.detail = (f"{'dry run: nothing repaired; ' if dry_run else ''}{drifted} drifted records against "
                  f"{len(held)} held and {len(export)} exported for {run.feed_date}: "
                  + ", ".join(f"{name} {len(keys)}" for name, keys in result.drift.items()))
    log.info("reconcile %s:\n%s", spec.name, result.table())
    if dry_run or not drifted:
        return
    if isinstance(destination, Snapshot):  # a snapshot is repaired by publishing it again, whole
        publish(conn, run, destination, plan, record_state=True)
        return
    push_ops(conn, run, destination, plan)
    ledger.record_outcomes(conn, consumer=spec.name, destination=spec.destination, feed_date=run.feed_date,
                           sync_run_id=run.sync_run_id, run_id=run.run_id, outcomes=matched)
    run.outcome = "warning" if run.rejected else "success"
    run.held_after = ledger.held(conn, spec.name)


def _id(destination: Destination, there: dict) -> str | None:
    # A snapshot's records have no destination id of their own (the "id" read back is the part they sit in).
    return None if isinstance(destination, Snapshot) else there["id"]


def _compare(spec: Consumer, record: dict, there: dict | None) -> str | None:
    if there is None:
        return "missing"
    differs = {f for f, value in record.items() if _comparable(value) != _comparable(there.get(f))}
    if not differs:
        return None
    return "restamp" if differs <= set(spec.stamp_fields) else "stale"


def _comparable(value) -> str:
    """One text form for a value as the export has it and as a destination returns it (CRM: all strings)."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
