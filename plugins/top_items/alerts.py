"""Page the on-call: one alert per incident, posted to the pager/chat webhook behind the ``pager`` connection.

Tasks call :func:`on_task_failure` as their ``on_failure_callback``, which Airflow runs once, when a task has
failed for good (not on each retry). Downstream tasks of a failed one end ``upstream_failed`` without a
callback, so a broken gate pages once, naming its cause, however many consumers it protected.
"""

from __future__ import annotations

import logging

import requests

from top_items import settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
MAX_CAUSE_CHARS = 4000


def post_alert(alert: dict) -> None:
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(settings.PAGER_CONN_ID)
    session = requests.Session()
    session.trust_env = False  # the pager is on loopback; no proxy or CA bundle from the environment applies
    response = session.post(f"{conn.host.rstrip('/')}/alerts", json=alert, timeout=TIMEOUT_SECONDS,
                            headers={"Authorization": f"Bearer {conn.password}"})
    if response.status_code >= 300:
        raise RuntimeError(f"pager connection '{settings.PAGER_CONN_ID}' answered {response.status_code}: "
                           f"{response.text[:300]}")


def build_alert(context) -> dict:
    ti = context["ti"]
    exception = context.get("exception")
    cause = f"{type(exception).__name__}: {exception}" if exception else "task failed"
    feed_date = context["params"].get("feed_date") or (
        context.get("logical_date") and context["logical_date"].date().isoformat()
    )
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


def on_task_failure(context) -> None:
    """Never raises: a pager outage must not hide the task's own failure (it is logged instead)."""
    try:
        alert = build_alert(context)
        post_alert(alert)
        log.info("alert sent: %s", alert["summary"])
    except Exception:  # noqa: BLE001 - the alert path must not fail the callback
        log.exception("could not send the alert for this failure")
