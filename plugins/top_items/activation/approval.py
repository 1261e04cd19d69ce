"""A person decides a blocked push: when a consumer's volume guard blocks its push, the run asks that consumer's
owner in the Airflow UI (Browse > Required Actions) whether to push the day anyway, and waits.

- Only the owner may answer: the step is assigned to ``registry.owner_user(consumer)``; the api-server refuses
  anybody else (403).
- Approve (a reason required): the push goes ahead with the guard overridden for that consumer alone; reject: the
  consumer keeps what it holds. No answer within :data:`RESPONSE_TIMEOUT` counts as a reject. Each is a row of
  ``ops.consumer_decisions`` (decisions.py) with who and why; an approved push's ``ops.sync_runs.detail`` begins
  with them too.
- Nothing else waits for a person. The step is skipped unless this run's push of the consumer was blocked, and in
  a run ``dag.test()`` or ``airflow dags test`` started (triggered by ``test``), where nobody could answer: there a
  blocked push stays blocked, as it always was, and the ``override_volume_guard`` param still works everywhere.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.providers.standard.operators.hitl import ApprovalOperator, HITLOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowSkipException

from top_items import feed_dates
from top_items.activation import decisions
from top_items.activation.decisions import APPROVE, REJECT, TIMEOUT
from top_items.activation.errors import DecisionRefused

log = logging.getLogger(__name__)

# How long a blocked push waits for its owner: then it counts as a reject (the one declaration of it).
RESPONSE_TIMEOUT = timedelta(hours=8)
REASON = "reason"  # the required text field of the decision
# dag.test() creates its run triggered by "test", as this user; the run's context carries the user's name only.
TEST_RUN_USER = "dag_test"
CHOICES = {ApprovalOperator.APPROVE: APPROVE, ApprovalOperator.REJECT: REJECT}


def assignee(consumer: str) -> dict[str, str]:
    """The one Airflow user the decision about a consumer is assigned to: its owner's."""
    from top_items.registry import owner_user

    user = owner_user(consumer)
    return {"id": user, "name": user}  # the simple auth manager's user id is its username


def is_test_run(context) -> bool:
    return getattr(context["dag_run"], "triggering_user_name", None) == TEST_RUN_USER


def question(consumer: str, feed_date: str, detail: str | None) -> tuple[str, str]:
    """The subject and body a person reads."""
    return (f"{consumer}: push {feed_date} although its volume guard blocked it?",
            f"The volume guard blocked the push of **{feed_date}** to **{consumer}**:\n\n> {detail}\n\n"
            f"- **Approve**: push it anyway, for this run and this consumer only.\n"
            f"- **Reject**: {consumer} keeps what it holds.\n\nSay why in *{REASON}*. No answer within "
            f"{RESPONSE_TIMEOUT} counts as a reject.")


class BlockedPushApproval(HITLOperator):
    """Asks the consumer's owner whether to push a blocked day; returns the decision (:func:`decision_of`).

    Approve and Reject, as the provider's ApprovalOperator names them, but nothing downstream is skipped: the next
    step records a reject as well as an approval.
    """

    def __init__(self, *, consumer: str, params=None, **kwargs):
        # ``params`` holds the DAG's (merged in by Airflow): the form asks for the reason alone
        super().__init__(subject=f"{consumer}: push although its volume guard blocked it?",
                         options=list(CHOICES), defaults=[ApprovalOperator.REJECT],
                         # Airflow validates a step's params before it asks: the field starts empty, and an
                         # answer that leaves it so is refused (execute_complete)
                         params={REASON: Param("", type="string", title="Why (required)",
                                               description="Recorded with your name (ops.consumer_decisions).")},
                         assigned_users=[assignee(consumer)], response_timeout=RESPONSE_TIMEOUT, **kwargs)
        self.consumer = consumer

    def execute(self, context):
        from top_items import tasks
        from top_items.activation import ledger
        from top_items.connections import warehouse_connection

        feed_date = tasks.resolve_feed_date(*feed_dates.inputs(context))
        with warehouse_connection() as conn:
            blocked = ledger.blocked_run(conn, self.consumer, context["run_id"])
        if blocked is None:
            raise AirflowSkipException(f"the push of {self.consumer} was not blocked: nothing to decide")
        if is_test_run(context):
            raise AirflowSkipException("a test run (dag.test) waits for nobody: the push stays blocked")
        self.subject, self.body = question(self.consumer, feed_date, blocked[1])
        return super().execute(context)

    def execute_complete(self, context, event):
        if event.get("timedout"):  # the defaults (Reject) were taken for nobody: no reason to validate
            return decision_of(TIMEOUT, None, f"no decision within {RESPONSE_TIMEOUT}")
        answer = super().execute_complete(context, event)
        user, reason = answer["responded_by_user"] or {}, ((answer["params_input"] or {}).get(REASON) or "").strip()
        if not reason:  # the form requires it; an API call may leave it out
            raise DecisionRefused(f"an answer about {self.consumer} needs a reason ({REASON})")
        return decision_of(CHOICES[answer["chosen_options"][0]], user.get("name") or user.get("id"), reason)


def decision_of(decision: str, by: str | None, reason: str) -> dict:
    return {"decision": decision, "by": by, "reason": reason}


def apply(conn, consumer: str, feed_date: str, run_id: str, answer: dict) -> dict:
    """Carry out a person's answer: record it, and for an approval push with the guard overridden.

    A retried step finds the approval it recorded and pushes again without recording it twice.
    """
    from top_items.activation import ledger
    from top_items.activation.engine import sync_consumer

    decision, by, reason = answer["decision"], answer["by"], answer["reason"]
    blocked = ledger.blocked_run(conn, consumer, run_id)
    recorded = [d for d in decisions.of_run(conn, run_id) if d.consumer == consumer and d.decision == decision]
    decision_id = recorded[0].decision_id if recorded else decisions.record(
        conn, consumer, decision, by=by, reason=reason, feed_date=feed_date, run_id=run_id,
        sync_run_id=blocked[0] if blocked else None)
    if decision != APPROVE:
        log.warning("%s: %s for %s (%s): the push stays blocked, the consumer keeps its data", consumer, decision,
                    feed_date, reason)
        return {"decision": decision, "by": by, "reason": reason, "pushed": False}
    run = sync_consumer(conn, consumer, feed_date, run_id=run_id, override_volume_guard=True,
                        asked_by=f"approved by {by} in Airflow: {reason}")
    decisions.link_sync_run(conn, decision_id, run.sync_run_id)
    return {"decision": decision, "by": by, "reason": reason, "pushed": True, "outcome": run.outcome,
            "sync_run_id": run.sync_run_id, "records_pushed": run.records_pushed}
