"""The one sync engine every destination shares. A run is one :class:`SyncRun`, taken through four steps:

    plan     diff the export for the feed date (mapped through consumers.yml) against ops.sync_state
    guard    weigh the plan against the baseline (guard.py); a backfill rolls nothing back instead
    push     batches sized by the destination; a batch refused as a whole is split until the bad rows stand
             alone; transient errors are retried inside the destination; a snapshot destination receives the
             records the plan was made from
    record   per batch, in one transaction (ledger.py): a killed run resumes from the last recorded batch

The whole run holds the consumer's advisory lock, so runs of different days never push to one consumer at
once; each run first closes the rows of runs that died without a trace as ``abandoned``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from top_items.activation import destinations, ledger, pause
from top_items.activation.destinations import Destination, Incremental, Snapshot
from top_items.activation.errors import BatchRejected, EmptyExportError, TooManyRejected, VolumeGuardBlocked
from top_items.activation.guard import VolumeVerdict, check_volume
from top_items.activation.plan import (
    KINDS,
    Op,
    Outcome,
    Plan,
    batches,
    diff,
    list_items,
    mapped_key,
    row_hash,
)
from top_items.quality import upstream
from top_items.registry import Consumer, consumer

log = logging.getLogger(__name__)

# hook(step, done, total) at each step of a push: "planned" (the guard passed, nothing sent yet), "sent"
# (a batch accepted by the destination, not yet recorded), "recorded" (that batch in the ledger), "pushed"
# (every batch recorded, the run not yet closed). The crash tests kill the push there.
Hook = Callable[[str, int, int], None]


def _no_hook(step: str, done: int, total: int) -> None:
    pass


@dataclass
class SyncRun:
    consumer: Consumer
    feed_date: str
    run_id: str | None
    mode: str = "push"  # push | dry_run | reconcile
    sync_run_id: int | None = None
    outcome: str = "running"
    detail: str | None = None
    baseline: int | None = None
    held_after: int | None = None
    plan: Plan | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ledger.COUNTERS, 0))
    records_pushed: int = 0
    api_calls: int = 0
    location: str | None = None
    duration_s: float = 0.0

    def by_kind(self, stage: str) -> dict[str, int]:
        return {kind: self.counts[ledger.counter(stage, kind)] for kind in KINDS}

    @property
    def planned(self) -> dict[str, int]:
        return self.by_kind("planned")

    @property
    def succeeded(self) -> dict[str, int]:
        return self.by_kind("succeeded")

    @property
    def failed(self) -> dict[str, int]:
        return self.by_kind("failed")

    @property
    def rejected(self) -> int:
        return sum(self.failed.values())

    def count(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.counts[ledger.counter("succeeded" if outcome.ok else "failed", outcome.op.kind)] += 1

    def fields(self) -> dict:
        """The ops.sync_runs columns this run fills when it closes."""
        return {**self.counts, "records_pushed": self.records_pushed, "api_calls": self.api_calls,
                "rejected_rows": self.rejected, "held_after": self.held_after, "location": self.location,
                "outcome": self.outcome, "detail": self.detail}


def sync_consumer(conn, consumer_name: str, feed_date: str, *, run_id: str | None, dry_run: bool = False,
                  override_volume_guard: bool = False, destination: Destination | None = None,
                  hook: Hook = _no_hook, asked_by: str | None = None, roll_back: bool = False) -> SyncRun:
    """Plan, guard, push and record one consumer's export for ``feed_date``; the DAG's one entry point.

    Returns the closed run (outcome success, warning or skipped). Raises a ``SyncError`` when the run must
    fail now, or ``DestinationUnavailable`` when retrying later may help; the ops.sync_runs row is written
    either way. ``destination`` replaces the one consumers.yml names (tests hand in tuned ones).

    ``asked_by``: who asked a person's push and why (an approval, a take-back), the first words of the run's
    detail. ``roll_back``: a take-back to an older day the destination held: neither the backfill rule nor the
    volume guard applies, and what it publishes becomes the state. A paused consumer (pause.py) is planned only.
    """
    target = destination or destinations.build(consumer(consumer_name))
    run = SyncRun(target.consumer, str(feed_date), run_id, "dry_run" if dry_run else "push")
    with recorded(conn, run, target):
        _push(conn, run, target, override_volume_guard, hook, asked_by=asked_by, roll_back=roll_back)
    return run


@contextlib.contextmanager
def recorded(conn, run: SyncRun, destination: Destination):
    """Hold the consumer's lock, open the run's ops.sync_runs row, and close it whatever happens inside."""
    started = time.monotonic()
    name = run.consumer.name
    with ledger.consumer_lock(conn, name):
        ledger.abandon_running(conn, name)
        run.baseline = ledger.baseline(conn, name)
        run.sync_run_id = ledger.open_run(conn, consumer=name, destination=run.consumer.destination,
                                          feed_date=run.feed_date, run_id=run.run_id, mode=run.mode,
                                          baseline=run.baseline)
        try:
            yield run
            if run.outcome == "running":
                run.outcome = "success"
        except BaseException as exc:
            run.outcome = "blocked" if run.outcome == "blocked" else "failed"
            run.detail = run.detail or f"{type(exc).__name__}: {exc}"[:2000]
            raise
        finally:
            run.api_calls, run.location = destination.api_calls, destination.location
            destination.close()
            run.duration_s = round(time.monotonic() - started, 3)
            ledger.close_run(conn, run.sync_run_id, run.fields())
            log.info("%s %s -> %s for %s: %s, planned %s, succeeded %s, failed %s, %d records in %.1fs", run.mode,
                     name, run.consumer.destination, run.feed_date, run.outcome, run.planned, run.succeeded,
                     run.failed, run.records_pushed, run.duration_s)


def _push(conn, run: SyncRun, destination: Destination, overridden: bool, hook: Hook, *, asked_by: str | None,
          roll_back: bool) -> None:
    spec, snapshot = run.consumer, isinstance(destination, Snapshot)
    run.plan = plan = plan_sync(conn, spec, run.feed_date, ledger.export_rows(conn, spec, run.feed_date),
                                keep_records=snapshot)
    run.counts.update({ledger.counter("planned", kind): n for kind, n in plan.counts().items()})
    log.info("%s -> %s for %s: plan %s", spec.name, spec.destination, run.feed_date, plan.describe())

    if roll_back:  # a person returns the destination to a day it held: there is no jump to guard against
        verdict, newest = VolumeVerdict(True, run.baseline, plan.rows, f"taken back to {run.feed_date}: the "
                                        "volume guard does not weigh a return to a day the destination held"), None
    else:
        verdict, newest = weigh(conn, spec, plan, run.feed_date, run.baseline, overridden=overridden)
    backfill = newest is not None
    (log.info if verdict.allowed and not overridden else log.warning)("volume guard: %s", verdict.message)
    if run.mode == "dry_run":
        run.detail = f"dry run: nothing pushed; volume guard: {verdict.message}"
        return
    paused = pause.current(conn, spec.name)
    if paused is not None:
        run.outcome, run.detail = "skipped", f"{pause.describe(paused)}; volume guard: {verdict.message}"
        log.warning("%s: %s", spec.name, run.detail)
        return
    if backfill and not snapshot:
        run.outcome = "skipped"
        run.detail = (f"backfill: {run.feed_date} is older than {newest}, the last feed date pushed to "
                      f"{spec.destination}; pushing it would roll the destination back")
        log.warning("%s: %s", spec.name, run.detail)
        return
    if not verdict.allowed:  # an input that drifted within its bounds is the likelier cause: the alert says so
        run.outcome, run.detail = "blocked", upstream.explained(conn, run.feed_date, verdict.message)
        raise VolumeGuardBlocked(run.detail)
    if overridden or roll_back:
        run.detail = verdict.message if roll_back else f"volume guard override: {verdict.message}"
    if asked_by:
        run.detail = f"{asked_by}; {run.detail}" if run.detail else asked_by
    if snapshot and not plan.rows:
        raise EmptyExportError(f"{spec.export} has no rows for {run.feed_date}: nothing published")

    nothing = not (plan.upserts or plan.removes)  # the destination holds this export already
    if nothing:
        log.info("%s: nothing to push for %s: no API call, not even a login", spec.name, run.feed_date)
    else:
        destination.connect()
    hook("planned", 0, 0)
    if snapshot and nothing:
        run.held_after = run.held_after if backfill else plan.rows
    elif snapshot:
        publish(conn, run, destination, plan, record_state=not backfill, hook=hook, roll_back=roll_back)
    else:
        push_ops(conn, run, destination, plan, hook)
        judge_rejections(run)
        run.held_after = ledger.held(conn, spec.name)


def plan_sync(conn, spec: Consumer, feed_date: str, rows, *, keep_records: bool = False) -> Plan:
    """Diff export rows for ``feed_date`` against what the ledger says the destination holds."""
    return diff(spec, rows, ledger.load_state(conn, spec.name), feed_date, keep_records=keep_records)


def weigh(conn, spec: Consumer, plan: Plan, feed_date: str, baseline: int | None, *,
          overridden: bool = False) -> tuple[VolumeVerdict, date | None]:
    """The volume guard's verdict on a plan, and the newest feed date pushed when ``feed_date`` is older (a
    backfill: nothing a consumer reads moves backwards, so there is no jump to guard against)."""
    newest = ledger.newest_pushed_feed_date(conn, spec.name)
    if newest is not None and date.fromisoformat(feed_date) < newest:
        return VolumeVerdict(True, baseline, plan.rows, f"backfill of {feed_date} (newest pushed: {newest}): "
                                                        "the guard applies to the newest day only"), newest
    return check_volume(spec, plan, baseline, overridden=overridden), None


def publish(conn, run: SyncRun, destination: Snapshot, plan: Plan, *, record_state: bool,
            hook: Hook = _no_hook, roll_back: bool = False) -> None:
    """Hand a snapshot destination every planned record; the state becomes what it now holds."""
    run.records_pushed = destination.publish(plan.records, run.feed_date, run.run_id or run.mode,
                                             roll_back=roll_back)
    hook("sent", 1, 1)
    for kind, ops in plan.ops.items():
        run.counts[ledger.counter("succeeded", kind)] = len(ops)
    if record_state:  # a backfill's publication leaves the state of the newer one
        held = {mapped_key(run.consumer, r): (row_hash(run.consumer, r), None, list_items(run.consumer, r))
                for r in plan.records}
        ledger.replace_state(conn, consumer=run.consumer.name, feed_date=run.feed_date,
                             sync_run_id=run.sync_run_id, held_records=held)
        run.held_after = plan.rows
    hook("recorded", 1, 1)
    hook("pushed", 1, 1)


def push_ops(conn, run: SyncRun, destination: Incremental, plan: Plan, hook: Hook = _no_hook) -> None:
    """Push the plan's upserts, then its removes, recording each batch's outcomes as it comes back."""
    work = [(action, batch, send) for action, ops, send in (("upsert", plan.upserts, destination.upsert),
                                                            ("remove", plan.removes, destination.remove)) if ops
            for batch in batches(ops, destination.batch_size(action, len(ops)))]
    started = time.monotonic()
    for done, (action, batch, send) in enumerate(work, start=1):
        if action == "remove" and run.consumer.on_remove == "ignore":
            outcomes = [Outcome(op, True) for op in batch]  # the record stays; we stop tracking it
        else:
            outcomes = push_splitting(send, batch)
            run.records_pushed += len(batch)
        hook("sent", done, len(work))
        ledger.record_outcomes(conn, consumer=run.consumer.name, destination=run.consumer.destination,
                               feed_date=run.feed_date, sync_run_id=run.sync_run_id, run_id=run.run_id,
                               outcomes=outcomes)
        run.count(outcomes)
        elapsed = max(time.monotonic() - started, 1e-6)
        log.info("%s: batch %d/%d (%s, %d records) done; %d records in %.1fs (%.0f records/s), %d API calls",
                 run.consumer.name, done, len(work), action, len(batch), run.records_pushed, elapsed,
                 run.records_pushed / elapsed, destination.api_calls)
        hook("recorded", done, len(work))
    hook("pushed", len(work), len(work))


def rejected_allowance(spec: Consumer, planned: int) -> int:
    """Rows that may be rejected before the run fails: the larger of the absolute and relative bounds."""
    relative = int(spec.max_rejected_ratio * planned) if spec.max_rejected_ratio is not None else 0
    return max(spec.max_rejected_rows, relative)


def judge_rejections(run: SyncRun) -> None:
    planned = sum(run.planned.values())
    allowance = rejected_allowance(run.consumer, planned)
    if run.rejected > allowance:
        run.outcome = "failed"
        run.detail = (f"{run.rejected} of {planned} rows rejected by {run.consumer.destination}, more than the "
                      f"{allowance} {run.consumer.name} allows (consumers.yml max_rejected_rows/max_rejected_ratio);"
                      " see ops.sync_errors")
        raise TooManyRejected(run.detail)
    if run.rejected:
        run.outcome = "warning"
        run.detail = (f"{run.rejected} of {planned} rows rejected (within the allowance of {allowance}); "
                      "see ops.sync_errors")


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

