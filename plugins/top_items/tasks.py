"""What each task of the DAGs does, given only the feed date: build clients from connections, call the library.

Data problems (a bad file, an empty export) raise ``AirflowFailException``: retrying cannot fix them, so
the task fails at once and says why; infrastructure errors propagate and use the task's retries.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from airflow.sdk.exceptions import AirflowFailException

from top_items import feed_dates
from top_items.connections import s3_client, warehouse_connection

log = logging.getLogger(__name__)


def resolve_feed_date(requested: str | None, logical_date, partition_key: str | None = None) -> str:
    """The run's feed date (``feed_dates.of_run``); a run that has none fails at once."""
    feed_date = feed_dates.of_run(requested, logical_date, partition_key)
    if feed_date is None:
        raise AirflowFailException("this run has no feed date (no param, partition key or logical date): "
                                   "pass the feed_date param")
    return feed_date


def _workspace(feed_date: str, run_id: str):
    from top_items.transform.workspace import Workspace

    return Workspace(feed_date, run_id)


def dag_run_state(ti):
    """The state of another run of the same Airflow, as ``claims.poke`` asks for it (None: no such run)."""

    def state(dag_id: str, run_id: str) -> str | None:
        try:
            found = ti.get_dagrun_state(dag_id=dag_id, run_id=run_id)
            return str(getattr(found, "value", found))  # the SDK's enum prints as 'DagRunState.RUNNING'
        except Exception:  # noqa: BLE001  a run that was deleted cannot be asked; it holds nothing any more
            log.warning("run %s of %s not found", run_id, dag_id)
            return None

    return state


def active_runs(ti):
    """How many queued or running runs of this task's DAG have one of the given logical dates."""
    from datetime import datetime, time, timezone

    def count(days: list) -> int:
        midnights = [datetime.combine(day, time(), tzinfo=timezone.utc) for day in days]
        return ti.get_dr_count(dag_id=ti.dag_id, logical_dates=midnights, states=["queued", "running"])

    return count


def claim_feed_date(feed_date: str, run_id: str, *, dag_id: str, run_state, active_runs) -> bool:
    """One poke of the day's claim: True when this run holds the day and may load it (see ``claims``).

    A second run of the same day, or a day whose earlier days are still loading, is told to wait (the sensor pokes
    again); once granted, what a crashed earlier run of the day left is cleared.
    """
    from top_items.claims import Claim, poke
    from top_items.transform.workspace import drop_leftovers

    with warehouse_connection() as conn:
        waiting = poke(conn, Claim(feed_date, dag_id, run_id), run_state=run_state, active_runs=active_runs)
        if waiting:
            log.info("waiting: %s", waiting)
            return False
        dropped = drop_leftovers(conn, feed_date, keep=_workspace(feed_date, run_id))
    if dropped:
        log.info("dropped workspaces earlier runs of %s left behind: %s", feed_date, ", ".join(dropped))
    log.info("run %s holds %s; its build goes to workspace %s", run_id, feed_date, _workspace(feed_date, run_id).key)
    return True


@contextmanager
def _loading(data_errors: type[Exception]):
    """A warehouse connection (the run's setup step made the layers); a data error fails at once, unretried."""
    with warehouse_connection() as conn:
        try:
            yield conn
        except data_errors as exc:
            raise AirflowFailException(str(exc)) from exc


def load_reference_snapshots(feed_date: str, run_id: str) -> dict[str, int]:
    from top_items.ingest.reference import ReferenceSnapshotError, load_reference_snapshots

    with _loading(ReferenceSnapshotError) as conn:
        loads = load_reference_snapshots(conn, s3_client(), feed_date, run_id=run_id)
    return {load.table: load.rows for load in loads}


def ingest_inventory_feeds(feed_date: str, run_id: str) -> dict[str, int]:
    from top_items.ingest.feeds import FeedError, load_inventory_feeds

    with _loading(FeedError) as conn:
        result = load_inventory_feeds(conn, s3_client(), feed_date, run_id=run_id)
    return {"files": len(result.files), "rows_in": result.rows_in, "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined}


def ingest_retailer_feedback(feed_date: str, run_id: str) -> dict[str, int]:
    """The retailer app's feedback of the day, as overrides (an object that is not the contract's fails, unretried)."""
    from top_items.ingest.feedback import FeedbackError, load_feedback

    with _loading(FeedbackError) as conn:
        result = load_feedback(conn, s3_client(), feed_date, run_id=run_id)
    return {"objects": len(result.objects), "items": sum(o.rows_loaded for o in result.objects),
            "quarantined": sum(o.rows_quarantined for o in result.objects), "overrides": result.overrides}


def notify_override_owners(feed_date: str, run_id: str) -> dict[str, list[str]]:
    """Warn the owners of overrides about to expire and page those whose override expired, each once."""
    from top_items import alerts
    from top_items.override_notices import send_due

    with warehouse_connection() as conn:
        sent = send_due(conn, feed_date, run_id, alerts.post_alert)
    return {kind: [n.override_id for n in sent if n.notice == kind] for kind in ("expiring", "expired")}


def build_model(model_name: str, feed_date: str, run_id: str) -> int:
    """Build one model into the run's workspace (write-audit-publish: nobody else sees it yet)."""
    from top_items.transform.build import build
    from top_items.transform.models import by_name

    with warehouse_connection() as conn:
        return build(conn, by_name(model_name), _workspace(feed_date, run_id)).row_count


def quality_gate(gate: str, feed_date: str, run_id: str) -> dict:
    """Verify a gate's Soda contracts on the run's build; fail (no retry) when a fail-level check fails."""
    from top_items.claims import raw_phase_done
    from top_items.quality import GateFailedError, run_gate

    with warehouse_connection() as conn:
        result = run_gate(conn, gate, feed_date, run_id=run_id, layers=_workspace(feed_date, run_id).variables())
        if gate == "raw" and result.ok:
            raw_phase_done(conn, feed_date, run_id)
    for line in result.summary().splitlines():
        log.info("%s", line)
    try:
        result.raise_for_failures()
    except GateFailedError as exc:
        raise AirflowFailException(str(exc)) from exc
    return {"passed": len(result.passed), "warned": len(result.warned), "no_history": len(result.no_history)}


def push_to_consumer(consumer: str, feed_date: str, run_id: str, *, dry_run: bool = False,
                     override_volume_guard: bool = False) -> dict:
    """Plan, push and record one consumer's export (the one sync engine for S3, Salesforce and the CRM).

    A destination that is down raises as is, so the task's retries apply; rejected records beyond the
    consumer's threshold, bad credentials, a blocked volume or an empty export fail at once, naming the cause.
    """
    from top_items.activation.engine import sync_consumer
    from top_items.activation.errors import SyncError
    from top_items.activation.ledger import SUCCESSFUL

    with warehouse_connection() as conn:
        try:
            run = sync_consumer(conn, consumer, feed_date, run_id=run_id, dry_run=dry_run,
                                override_volume_guard=override_volume_guard)
        except SyncError as exc:
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc
        if not dry_run and run.outcome in SUCCESSFUL:
            _note_freshness_recovery(conn, consumer, feed_date)
    if dry_run:
        log.info("[dry run] %s for %s: %s\n%s", consumer, feed_date, run.plan.describe(), run.detail)
    return {"outcome": run.outcome, "planned": run.planned, "succeeded": run.succeeded, "failed": run.failed,
            "records_pushed": run.records_pushed, "api_calls": run.api_calls, "location": run.location}


def _note_freshness_recovery(conn, consumer: str, feed_date: str) -> None:
    from top_items.activation.freshness import note_recovery

    try:
        with conn.transaction():  # a savepoint: a failure here leaves the push's own records as they are
            note_recovery(conn, consumer, feed_date)
    except Exception:  # noqa: BLE001 - the push stands; a recovery not noted is logged, and noted by the next push
        log.exception("could not note the freshness recovery of %s for %s", consumer, feed_date)


def push_task_id(consumer: str) -> str:
    return f"push_{consumer}"


def decide_task_id(consumer: str) -> str:
    """The step that asks the consumer's owner about a blocked push (activation/approval.py)."""
    return f"decide_push_{consumer}"


def apply_task_id(consumer: str) -> str:
    """The step that carries out the owner's answer."""
    return f"apply_decision_{consumer}"


def apply_decision(consumer: str, feed_date: str, run_id: str, answer: dict) -> dict:
    """Record the owner's answer about a blocked push and, for an approval, push with the guard overridden."""
    from top_items.activation.approval import apply
    from top_items.activation.errors import SyncError

    with warehouse_connection() as conn:
        try:
            return apply(conn, consumer, feed_date, run_id, answer)
        except SyncError as exc:
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc


def reconcile_consumer(consumer: str, run_id: str, *, dry_run: bool = False) -> dict:
    """Read one consumer's destination back and repair the drift; a consumer never pushed, or paused, is skipped."""
    from airflow.sdk.exceptions import AirflowSkipException

    from top_items.activation import ledger, pause
    from top_items.activation.errors import SyncError
    from top_items.activation.reconcile import reconcile

    with warehouse_connection() as conn:
        if ledger.newest_pushed_feed_date(conn, consumer) is None:
            raise AirflowSkipException(f"{consumer} was never pushed: nothing to reconcile")
        if (paused := pause.current(conn, consumer)) is not None:
            raise AirflowSkipException(f"{consumer}: {pause.describe(paused)}; nothing repaired")
        try:
            result = reconcile(conn, consumer, run_id=run_id, dry_run=dry_run)
        except SyncError as exc:
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc
    for line in result.table().splitlines():
        log.info("%s", line)
    if result.run.rejected:
        raise AirflowFailException(f"{consumer}: {result.run.rejected} records rejected while repairing drift")
    return {"drift": {name: len(keys) for name, keys in result.drift.items()}, "outcome": result.run.outcome}


def publish(feed_date: str, run_id: str, gates_passed: dict[str, bool]) -> dict:
    """Publish the run's audited build: the marts when their gate passed, and each export whose gate passed.

    ``gates_passed``: gate name -> whether its task succeeded in this run. Nothing is published (the task is
    skipped, so are the pushes) when the marts gate did not pass; the gate that failed has already paged.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from top_items.quality.contracts import EXPORT_GATE_PREFIX
    from top_items.registry import consumers
    from top_items.transform.publish import publish as publish_build

    if not gates_passed.get("marts"):
        raise AirflowSkipException(f"the marts of {feed_date} did not pass their gate: nothing is published")
    withhold = [consumer.export for name, consumer in consumers().items()
                if not gates_passed.get(EXPORT_GATE_PREFIX + name)]
    from top_items.quality import history
    from top_items.quality.contracts import GATE_DATASETS

    with warehouse_connection() as conn:
        result = publish_build(conn, _workspace(feed_date, run_id), withhold=withhold)
        # A published dataset's good days are its published days: what later days compare with.
        history.record(conn, GATE_DATASETS["marts"], feed_date, run_id)
    return {"rows": result.rows, "withheld": result.withheld, "seconds": round(result.seconds, 2)}


def run_summary(feed_date: str, run_id: str, task_states: dict[str, str]) -> str:
    """Free the day, log the summary whatever happened, then fail the run if any task did (it already paged).

    A blocked push its owner approved, and that then landed, no longer fails the run.
    """
    from top_items.activation import decisions
    from top_items.claims import release
    from top_items.summary import format_summary, gather

    with warehouse_connection() as conn:
        _workspace(feed_date, run_id).drop(conn)
        release(conn, feed_date, run_id)
        text = format_summary(gather(conn, feed_date, run_id=run_id))
        approved = {d.consumer for d in decisions.of_run(conn, run_id) if d.decision == decisions.APPROVE}
    for line in text.splitlines():
        log.info("%s", line)
    settled = {push_task_id(name) for name in approved if task_states.get(decide_task_id(name)) == "success"
               and task_states.get(apply_task_id(name)) == "success"}
    broken = sorted(task for task, state in task_states.items()
                    if state in ("failed", "upstream_failed") and task not in settled)
    if broken:
        raise AirflowFailException(f"run failed or was stopped at: {', '.join(broken)}")
    return text
