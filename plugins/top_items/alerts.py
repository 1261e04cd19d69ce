"""Tell whoever a failed task concerns: one alert per incident, and one when it is over, delivered on each of their
routes (top_items/alert_routes.py: the pager webhook, email) through an Airflow Notifier; top_items/audience.py
says who that is (a consumer's owner, an input's producer and the on-call, or the on-call alone).

:data:`on_task_failure` is every task's ``on_failure_callback``, which Airflow runs once, when a task has failed for
good (not on each retry). Downstream tasks of a failed one end ``upstream_failed`` without a callback, so a broken
gate alerts once, naming its cause, however many consumers it protected. The failure opens an incident for that
task (an Airflow Variable ``top_items.incident.<dag>.<task>``, listed in the UI under Admin > Variables): the alert,
and in ``to`` whoever it reached. When a later run of the same task succeeds for that feed date or a later one,
:data:`on_task_recovery` (its ``on_success_callback``) tells the same people that it recovered, naming the
incident, and closes it. A backfill of older days succeeding meanwhile does not: the broken day is still broken. A
success with no open incident costs one Variable read and sends nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

from airflow.sdk import BaseNotifier

from top_items import feed_dates
from top_items.alert_routes import ON_CALL_RECIPIENT, Recipient, deliver, post_to_pager

log = logging.getLogger(__name__)
MAX_CAUSE_CHARS = 4000
INCIDENT_PREFIX = "top_items.incident."
FAILURE, RECOVERY, TEST = "failure", "recovery", "test"

# An override's owner is told on the pager, the alert naming them (top_items/override_notices.py); raises when
# the pager refuses it, so the notice is not recorded as sent.
post_alert = post_to_pager


def feed_date_of(context) -> str | None:
    """The run's feed date, as the tasks resolve it."""
    requested = context["params"].get("feed_date")
    try:
        return feed_dates.of_run(*feed_dates.inputs(context))
    except ValueError:  # the failure being reported may be that very param: the alert names it as it was given
        return str(requested)


def build_alert(context) -> dict:
    ti = context["ti"]
    exception = context.get("exception")
    cause = f"{type(exception).__name__}: {exception}" if exception else "task failed"
    feed_date = feed_date_of(context)
    first_line = str(exception).strip().splitlines()[0] if exception and str(exception).strip() else cause
    return {
        "summary": f"[{ti.dag_id}] {ti.task_id} failed for feed date {feed_date}: {first_line}"[:300],
        "severity": "critical",
        "event": FAILURE,
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "run_id": ti.run_id,
        "try_number": ti.try_number,
        "feed_date": str(feed_date),
        "cause": cause[:MAX_CAUSE_CHARS],
        "url": ti.log_url,
        "dedup_key": f"{ti.dag_id}/{ti.run_id}/{ti.task_id}",
    }


def incident_key(dag_id: str, task_id: str) -> str:
    """The Variable that holds a task's open incident: one per task, whichever run broke it."""
    return f"{INCIDENT_PREFIX}{dag_id}.{task_id}"


def recovers(incident: dict, feed_date: str | None) -> bool:
    """A success for the incident's feed date or a later one closes it; a backfill of older days does not."""
    return str(feed_date) >= str(incident.get("feed_date"))


def build_recovery(context, incident: dict) -> dict:
    """The alert that closes ``incident`` (the failure alert that opened it): this run of the task succeeded."""
    ti = context["ti"]
    feed_date = feed_date_of(context)
    return {
        "summary": f"[{ti.dag_id}] {ti.task_id} recovered: succeeded for feed date {feed_date} "
                   f"(failed in run {incident.get('run_id')} for feed date {incident.get('feed_date')})"[:300],
        "severity": "info",
        "event": RECOVERY,
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "run_id": ti.run_id,
        "feed_date": str(feed_date),
        "resolves": incident.get("dedup_key"),
        "incident": {key: incident.get(key) for key in ("summary", "run_id", "feed_date", "cause")},
        "url": ti.log_url,
        "dedup_key": incident.get("dedup_key"),
    }


def send_test(recipient: Recipient, conn=None) -> str | None:
    """A test alert to one recipient on their route, recorded like any other (the evidence readiness reads):
    None when it went through, else why not."""
    from datetime import UTC, datetime

    sent_at = datetime.now(UTC).isoformat(timespec="seconds")
    alert = addressed({"summary": f"[top_items] test alert for {recipient.name} on the {recipient.route} route: "
                                  "alerts about it reach you here",
                       "severity": "info", "event": TEST, "sent_at": sent_at,
                       "dedup_key": f"test/{recipient.name}/{sent_at}"}, [recipient])
    return deliver(alert, [recipient], conn)[recipient]


def addressed(alert: dict, recipients: list[Recipient]) -> dict:
    """The alert with whom it is for (``to``): what every route carries, and what the incident remembers."""
    return {**alert, "to": [asdict(r) for r in recipients]}


def recipients_of(incident: dict) -> list[Recipient]:
    """Who heard of the incident and has not heard of its recovery (an incident opened before ``to``: the on-call)."""
    return [Recipient(**r) for r in incident["to"]] if "to" in incident else [ON_CALL_RECIPIENT]


def told(outcome: dict[Recipient, str | None], *, reached: bool = True) -> list[Recipient]:
    """The recipients an alert reached (``reached``), or those it did not."""
    return [r for r, error in outcome.items() if (error is None) is reached]


class AlertNotifier(BaseNotifier):
    """Delivers a task's failure (and opens its incident) or its recovery (and closes the incident) to everyone it
    concerns, once on each of their routes.

    Never raises: a route's outage must not hide the task's own failure nor fail a task that succeeded (it is logged
    instead). A failure that reached nobody opens no incident; one that reached some remembers whom. A recovery
    that did not reach some of them leaves the incident open for those alone, so the next success tells them and
    nobody twice.
    """

    def __init__(self, event: str):
        super().__init__()
        if event not in (FAILURE, RECOVERY):
            raise ValueError(f"event must be {FAILURE!r} or {RECOVERY!r}")
        self.event = event

    def notify(self, context) -> None:
        try:
            if self.event == FAILURE:
                self._failure(context)
            else:
                self._recovery(context)
        except Exception:  # noqa: BLE001 - the alert path must not fail the callback
            log.exception("could not send the %s alert of this task", self.event)

    @staticmethod
    def _failure(context) -> None:
        from airflow.sdk import Variable

        from top_items import audience

        recipients = audience.of_failure(context["task"], context.get("exception"))
        alert = addressed(build_alert(context), recipients)
        outcome = deliver(alert, recipients)
        _log(alert, outcome)
        reached = told(outcome)
        if reached:
            ti = context["ti"]
            Variable.set(incident_key(ti.dag_id, ti.task_id), json.dumps(addressed(alert, reached)),
                         description="an open incident: cleared by the task's next success (top_items/alerts.py)")

    @staticmethod
    def _recovery(context) -> None:
        from airflow.sdk import Variable

        ti = context["ti"]
        key = incident_key(ti.dag_id, ti.task_id)
        stored = Variable.get(key, default=None)
        incident = json.loads(stored) if stored is not None else None
        if incident is None or not recovers(incident, feed_date_of(context)):
            return
        owed = recipients_of(incident)
        alert = addressed(build_recovery(context, incident), owed)
        outcome = deliver(alert, owed)
        _log(alert, outcome)
        waiting = told(outcome, reached=False)
        if waiting:
            Variable.set(key, json.dumps(addressed(incident, waiting)),
                         description="an open incident: cleared by the task's next success (top_items/alerts.py)")
        else:
            Variable.delete(key)


def _log(alert: dict, outcome: dict[Recipient, str | None]) -> None:
    for recipient, error in outcome.items():
        if error is None:
            log.info("%s alert sent to %s on %s: %s", alert["event"], recipient.address, recipient.route,
                     alert["summary"])
        else:
            log.error("%s alert not sent to %s on %s (%s): %s", alert["event"], recipient.address, recipient.route,
                      error, alert["summary"])


on_task_failure = AlertNotifier(FAILURE)
on_task_recovery = AlertNotifier(RECOVERY)
