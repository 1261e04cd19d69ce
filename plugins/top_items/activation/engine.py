"""The one sync engine every destination shares: plan, push in batches, record.

    plan    diff the export (``select * from exp_...``, mapped through consumers.yml) against ops.sync_state
    push    batches sized for the destination; a batch the destination refuses as a whole is split in halves
            until the bad rows stand alone; transient errors are retried inside the destination
            (retry.py); when retries run out the run stops, and what was pushed so far is already recorded
    record  per batch, in one transaction: sync_state and sync_errors; per run: one ops.sync_runs row

Destinations (salesforce.py, crm.py, retailer_app.py) only translate ops into API calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from top_items.activation import runs, state
from top_items.activation.base import (
    BatchRejected,
    Destination,
    Outcome,
    SyncError,
    TooManyRejected,
)
from top_items.activation.exports import export_rows
from top_items.activation.guard import VolumeGuardBlocked, VolumeVerdict, check_volume
from top_items.activation.plan import ADD, CHANGE, REMOVE, Op, Plan, batches, diff
from top_items.registry import Consumer

log = logging.getLogger(__name__)

# on_batch(done, total): called after each batch is recorded (tests use it to kill a sync half way).
BatchHook = Callable[[int, int], None]


@dataclass
class SyncResult:
    consumer: str
    destination: str
    feed_date: str
    outcome: str  # success | warning | failed | skipped | dry_run
    planned: dict[str, int] = field(default_factory=dict)
    succeeded: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0
    records_pushed: int = 0
    duration_s: float = 0.0
    location: str | None = None
    sync_run_id: int | None = None
    detail: str | None = None
    plan: Plan | None = None

    @property
    def rejected(self) -> int:
        return sum(self.failed.values())


def rejected_allowance(consumer: Consumer, planned: int) -> int:
    """Rows that may be rejected before the run fails: the larger of the absolute and relative bounds."""
    relative = int(consumer.max_rejected_ratio * planned) if consumer.max_rejected_ratio is not None else 0
    return max(consumer.max_rejected_rows, relative)


def run(conn, consumer: Consumer, destination: Destination, feed_date: str, *, run_id: str | None,
        dry_run: bool = False, on_batch: BatchHook | None = None, override_volume_guard: bool = False) -> SyncResult:
    started = time.monotonic()
    mode = "dry_run" if dry_run else "push"
    result = SyncResult(consumer.name, consumer.destination, feed_date, "running")
    with runs.recorded(conn, consumer.name, consumer.destination, feed_date, run_id, mode) as rec:
        result.sync_run_id = rec.sync_run_id
        try:
            _run(conn, consumer, destination, feed_date, run_id, dry_run, on_batch, rec, result,
                 override_volume_guard)
        except BaseException as exc:
            result.outcome = "failed"
            if isinstance(exc, SyncError):
                exc.result = result
            raise
        finally:
            rec.counts["api_calls"] = result.api_calls = destination.api_calls
            rec.location = result.location = destination.location
            result.duration_s = round(time.monotonic() - started, 3)
            result.records_pushed = rec.counts["records_pushed"]
            result.planned = {k: rec.counts[_counter("planned", k)] for k in (ADD, CHANGE, REMOVE)}
            result.succeeded = {k: rec.counts[_counter("succeeded", k)] for k in (ADD, CHANGE, REMOVE)}
            result.failed = {k: rec.counts[_counter("failed", k)] for k in (ADD, CHANGE, REMOVE)}
            rec.rejected_rows = result.rejected
            destination.close()
        result.outcome = rec.outcome if rec.outcome != "running" else "success"
        result.detail = rec.detail
    if dry_run:
        result.outcome = "dry_run"
    return result


def _counter(prefix: str, kind: str) -> str:
    return f"{prefix}_{'changes' if kind == CHANGE else kind + 's'}"


def _run(conn, consumer, destination, feed_date, run_id, dry_run, on_batch, rec, result,
         override_volume_guard) -> None:
    current = state.load(conn, consumer.name)
    plan = diff(consumer, export_rows(conn, consumer, feed_date), current)
    result.plan = plan
    rec.counts.update(plan.counts())
    log.info("%s -> %s for %s: plan %s", consumer.name, destination.name, feed_date, plan.describe())
    newest = state.last_pushed_feed_date(conn, consumer.name)
    backfill = newest is not None and date.fromisoformat(str(feed_date)) < newest
    if backfill:  # nothing a consumer reads moves backwards, so there is no jump to guard against
        verdict = VolumeVerdict(True, None, plan.rows, f"backfill of {feed_date} (newest pushed: {newest}): "
                                                       "the guard applies to the newest day only")
    else:
        held = sum(row.status == "synced" for row in current.values())
        verdict = check_volume(consumer, plan, held, overridden=override_volume_guard)
    (log.info if verdict.allowed and not override_volume_guard else log.warning)("volume guard: %s", verdict.message)
    if dry_run:
        print(f"[dry run] {consumer.name} -> {destination.name} for {feed_date}: {plan.describe()}\n"
              f"[dry run] volume guard: {verdict.message}")
        rec.detail = f"dry run: nothing pushed; volume guard: {verdict.message}"
        return
    if backfill and not destination.snapshot:
        rec.outcome = "skipped"
        rec.detail = (f"backfill: {feed_date} is older than {newest}, the last feed date pushed to "
                      f"{destination.name}; pushing it would roll the destination back")
        log.warning("%s: %s", consumer.name, rec.detail)
        return
    if not verdict.allowed:
        rec.outcome, rec.detail = "blocked", verdict.message
        raise VolumeGuardBlocked(verdict.message)
    if override_volume_guard:
        rec.detail = f"volume guard override: {verdict.message}"

    destination.connect()
    if destination.snapshot:
        _publish(conn, consumer, destination, feed_date, plan, current, backfill, rec)
        return

    total_batches = 0
    work: list[tuple[str, list[list[Op]]]] = []
    if plan.upserts:
        work.append(("upsert", batches(plan.upserts, destination.batch_size("upsert", len(plan.upserts)))))
    if plan.removes:
        work.append(("remove", batches(plan.removes, destination.batch_size("remove", len(plan.removes)))))
    total_batches = sum(len(b) for _, b in work)
    done, pushed, t0 = 0, 0, time.monotonic()
    for action, action_batches in work:
        send = destination.upsert if action == "upsert" else destination.remove
        for batch in action_batches:
            outcomes = push_splitting(send, batch)
            state.apply(conn, consumer=consumer.name, destination=consumer.destination, feed_date=feed_date,
                        sync_run_id=rec.sync_run_id, run_id=run_id, outcomes=outcomes)
            for outcome in outcomes:
                rec.counts[_counter("succeeded" if outcome.ok else "failed", outcome.op.kind)] += 1
            pushed += len(batch)
            rec.counts["records_pushed"] = pushed
            rec.counts["api_calls"] = destination.api_calls
            done += 1
            elapsed = max(time.monotonic() - t0, 1e-6)
            log.info("%s: batch %d/%d (%s, %d records) done; %d records in %.1fs (%.0f records/s), %d API calls",
                     consumer.name, done, total_batches, action, len(batch), pushed, elapsed, pushed / elapsed,
                     destination.api_calls)
            if on_batch is not None:
                on_batch(done, total_batches)

    rejected = sum(rec.counts[_counter("failed", k)] for k in (ADD, CHANGE, REMOVE))
    planned = len(plan.upserts) + len(plan.removes)
    allowance = rejected_allowance(consumer, planned)
    rec.rejected_rows = rejected
    if rejected > allowance:
        rec.outcome = "failed"
        rec.detail = (f"{rejected} of {planned} rows rejected by {destination.name}, more than the {allowance} "
                      f"{consumer.name} allows (consumers.yml max_rejected_rows/max_rejected_ratio); "
                      "see ops.sync_errors")
        raise TooManyRejected(rec.detail)
    if rejected:
        rec.outcome = "warning"
        rec.detail = f"{rejected} of {planned} rows rejected (within the allowance of {allowance}); see ops.sync_errors"


def push_splitting(send: Callable[[list[Op]], list[Outcome]], batch: list[Op]) -> list[Outcome]:
    """Send a batch; when the destination refuses it as a whole, split it until the bad rows stand alone."""
    try:
        outcomes = send(batch)
    except BatchRejected as exc:
        if len(batch) == 1:
            return [Outcome(batch[0], False, error_code=exc.code or "BATCH_REJECTED", message=str(exc))]
        middle = len(batch) // 2
        log.info("batch of %d rejected as a whole (%s); splitting", len(batch), exc)
        return push_splitting(send, batch[:middle]) + push_splitting(send, batch[middle:])
    if len(outcomes) != len(batch):
        raise RuntimeError(f"destination returned {len(outcomes)} outcomes for {len(batch)} records")
    return outcomes


def _publish(conn, consumer, destination, feed_date, plan, current, backfill, rec) -> None:
    rows = export_rows(conn, consumer, feed_date)
    pushed = destination.publish(conn, rows, plan)
    rec.counts["records_pushed"] = pushed
    for kind, ops in ((ADD, plan.adds), (CHANGE, plan.changes), (REMOVE, plan.removes)):
        rec.counts[_counter("succeeded", kind)] = len(ops)
    if backfill:
        log.info("%s: backfill of %s published; sync_state keeps the newer publication", consumer.name, feed_date)
        return
    hashes = {op.key: op.row_hash for op in plan.upserts}
    removed = {op.key for op in plan.removes}
    hashes.update({key: row.row_hash for key, row in current.items() if key not in removed and key not in hashes})
    state.replace_snapshot(conn, consumer=consumer.name, feed_date=feed_date, sync_run_id=rec.sync_run_id,
                           hashes=hashes)
