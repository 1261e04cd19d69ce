"""Page the on-call: one alert per incident, and one when it is over, posted to the pager/chat webhook behind the
``pager`` connection, through an Airflow Notifier.

:data:`on_task_failure` is every task's ``on_failure_callback``, which Airflow runs once, when a task has failed for
good (not on each retry). Downstream tasks of a failed one end ``upstream_failed`` without a callback, so a broken
gate pages once, naming its cause, however many consumers it protected. The failure opens an incident for that task
(an Airflow Variable ``top_items.incident.<dag>.<task>``, listed in the UI under Admin > Variables); when a later
run of the same task succeeds for that feed date or a later one, :data:`on_task_recovery` (its
``on_success_callback``) posts a recovery alert that names the incident, and closes it. A backfill of older days
succeeding meanwhile does not: the broken day is still broken. A success with no open incident costs one Variable
read and posts nothing.
"""

from __future__ import annotations

import json
import logging

from airflow.sdk import BaseNotifier

from top_items import feed_dates, settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
MAX_CAUSE_CHARS = 4000
INCIDENT_PREFIX = "top_items.incident."
FAILURE, RECOVERY = "failure", "recovery"


def post_alert(alert: dict) -> None:
    import requests  # here, not at the top: the DAG file imports this module to be parsed
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(settings.PAGER_CONN_ID)
    session = requests.Session()
    session.trust_env = False  # the pager is on loopback; no proxy or CA bundle from the environment applies
    response = session.post(f"{conn.host.rstrip('/')}/alerts", json=alert, timeout=TIMEOUT_SECONDS,
                            headers={"Authorization": f"Bearer {conn.password}"})
    if response.status_code >= 300:
        raise RuntimeError(f"pager connection '{settings.PAGER_CONN_ID}' answered {response.status_code}: "
                           f"{response.text[:300]}")


def feed_date_of(context) -> str | None:
    """The run's feed date, as the tasks resolve it."""
    requested = context["params"].get("feed_date")
    try:
        return feed_dates.of_run(requested, context.get("logical_date"))
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


class PagerNotifier(BaseNotifier):
    """Posts a task's failure (and opens its incident) or its recovery (and closes the incident) to the pager.

    Never raises: a pager outage must not hide the task's own failure nor fail a task that succeeded (it is logged
    instead). An incident whose recovery could not be posted stays open, so the next success posts it.
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

        alert = build_alert(context)
        post_alert(alert)
        log.info("alert sent: %s", alert["summary"])
        ti = context["ti"]
        Variable.set(incident_key(ti.dag_id, ti.task_id), json.dumps(alert),
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
        alert = build_recovery(context, incident)
        post_alert(alert)
        Variable.delete(key)
        log.info("recovery sent: %s", alert["summary"])


on_task_failure = PagerNotifier(FAILURE)
on_task_recovery = PagerNotifier(RECOVERY)
