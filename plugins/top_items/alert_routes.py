"""How an alert reaches people: the route kinds, one delivery per route, and the evidence of every delivery.

A route is a kind of delivery with its own Airflow connection: ``pager`` posts the alert as JSON to the pager/chat
webhook behind the ``pager`` connection; ``email`` sends it through Airflow's SMTP provider (the ``smtp``
connection: host, login, ``from_email``) to the recipients' addresses. Each recipient gets an alert once: one
webhook call naming everyone it is for, one message per address.

Every delivery, made or refused, is recorded per recipient in ``ops.alert_deliveries`` (the warehouse): the
evidence the readiness bar's "alert route" requirement reads (top_items/readiness.py). A delivery that cannot be
recorded (the warehouse is down) is still made, and logged.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from top_items import settings

log = logging.getLogger(__name__)
PAGER, EMAIL = "pager", "email"
ROUTES = {PAGER: settings.PAGER_CONN_ID, EMAIL: settings.SMTP_CONN_ID}  # route -> the connection it delivers through
ON_CALL = "on-call"  # the pager's own audience: whoever carries it
TIMEOUT_SECONDS = 10
DELIVERED, FAILED = "delivered", "failed"
HEADER_PREFIX = "X-Top-Items-"  # the alert's fields an email carries as headers, for a mail filter (and a test)
HEADER_FIELDS = ("dedup_key", "event", "dag_id", "task_id", "feed_date", "severity")

# Kept here, with the one writer and the readers of the table, until it joins include/sql/ops/.
DELIVERIES_DDL = """
create schema if not exists ops;
create table if not exists ops.alert_deliveries (
    delivery_id bigserial primary key,
    delivered_at timestamptz not null default now(),
    route text not null,
    recipient text not null,
    dedup_key text,
    event text,
    outcome text not null check (outcome in ('delivered', 'failed')),
    detail text
);
create index if not exists alert_deliveries_recipient on ops.alert_deliveries (route, recipient, delivery_id);
alter table ops.alert_deliveries add column if not exists feed_date text;  -- the day the alert was about, if one
"""


@dataclass(frozen=True)
class Recipient:
    """Someone an alert is for: a consumer's owner, a producer, or the on-call."""

    name: str  # the consumer, the producer, or ON_CALL
    route: str  # PAGER or EMAIL
    address: str  # where the route delivers: an email address; on the pager, who it is for

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"{self.name}: alert route must be one of {sorted(ROUTES)}, not {self.route!r}")


ON_CALL_RECIPIENT = Recipient(ON_CALL, PAGER, ON_CALL)


def post_to_pager(alert: dict) -> None:
    import requests  # here, not at the top: the DAG file imports this module to be parsed
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(ROUTES[PAGER])
    session = requests.Session()
    session.trust_env = False  # the pager is on loopback; no proxy or CA bundle from the environment applies
    response = session.post(f"{conn.host.rstrip('/')}/alerts", json=alert, timeout=TIMEOUT_SECONDS,
                            headers={"Authorization": f"Bearer {conn.password}"})
    if response.status_code >= 300:
        raise RuntimeError(f"pager connection '{ROUTES[PAGER]}' answered {response.status_code}: "
                           f"{response.text[:300]}")


def email_body(alert: dict) -> str:
    rows = "".join(f"<tr><th align='left'>{html.escape(key)}</th><td>{html.escape(str(alert[key]))}</td></tr>"
                   for key in ("dag_id", "task_id", "run_id", "feed_date", "severity", "resolves") if alert.get(key))
    cause = alert.get("cause") or (alert.get("incident") or {}).get("cause") or ""
    link = f"<p><a href='{html.escape(alert['url'])}'>the task's log</a></p>" if alert.get("url") else ""
    return (f"<p>{html.escape(alert['summary'])}</p><table>{rows}</table>"
            f"<pre>{html.escape(cause)}</pre>{link}")


def send_emails(alert: dict, addresses: list[str]) -> dict[str, str | None]:
    """One message per address, over one SMTP session: address -> None (accepted) or why it was refused. A server
    that accepts some recipients of one message and refuses others would not say which; one each, it does."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    headers = {f"{HEADER_PREFIX}{key.replace('_', '-').title()}": str(alert[key]) for key in HEADER_FIELDS
               if alert.get(key) is not None}
    outcome: dict[str, str | None] = {}
    with SmtpHook(smtp_conn_id=ROUTES[EMAIL]) as hook:
        for address in addresses:
            try:
                hook.send_email_smtp(to=address, subject=alert["summary"], html_content=email_body(alert),
                                     custom_headers=headers)
                outcome[address] = None
            except Exception as exc:  # noqa: BLE001 - this address's delivery failed; the others go on
                outcome[address] = _why(exc)
    return outcome


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _send(route: str, alert: dict, recipients: list[Recipient]) -> dict[Recipient, str | None]:
    try:
        if route == PAGER:  # one post: the alert says whom it is for
            post_to_pager(alert)
            return dict.fromkeys(recipients)
        by_address = send_emails(alert, list(dict.fromkeys(r.address for r in recipients)))
        return {r: by_address[r.address] for r in recipients}
    except Exception as exc:  # noqa: BLE001 - the route is down: nobody on it was reached
        return dict.fromkeys(recipients, _why(exc))


def deliver(alert: dict, recipients: list[Recipient], conn=None) -> dict[Recipient, str | None]:
    """Deliver ``alert`` once to each recipient, on their route (one webhook call for everyone on the pager, one
    message per address by email), and record each delivery through ``conn`` (a warehouse connection; None: one is
    opened). Returns recipient -> None (delivered) or why not: one route that fails does not keep the alert from
    the others."""
    by_route: dict[str, list[Recipient]] = {}
    for recipient in dict.fromkeys(recipients):
        by_route.setdefault(recipient.route, []).append(recipient)
    outcome: dict[Recipient, str | None] = {}
    for route, on_route in by_route.items():
        outcome.update(_send(route, alert, on_route))
    record(alert, outcome, conn)
    return outcome


def record(alert: dict, outcome: dict[Recipient, str | None], conn=None) -> None:
    """One ops.alert_deliveries row per recipient."""
    rows = [(r.route, r.address, alert.get("dedup_key"), alert.get("event"),
             DELIVERED if error is None else FAILED, error, alert.get("feed_date")) for r, error in outcome.items()]
    try:
        if conn is None:
            from top_items.connections import warehouse_connection

            with warehouse_connection() as own:
                _insert(own, rows)
        else:
            _insert(conn, rows)
    except Exception:  # noqa: BLE001 - the delivery stands; only its evidence is missing
        log.exception("could not record %d alert deliveries in ops.alert_deliveries", len(rows))


def _insert(conn, rows: list[tuple]) -> None:
    with conn.transaction():
        # two tasks failing at once would both create the table: the second waits for the first's commit
        conn.execute("select pg_advisory_xact_lock(hashtext('ops.alert_deliveries'))")
        conn.execute(DELIVERIES_DDL)
        with conn.cursor() as cur:
            cur.executemany("insert into ops.alert_deliveries (route, recipient, dedup_key, event, outcome, detail, "
                            "feed_date) values (%s, %s, %s, %s, %s, %s, %s)", rows)


def last_delivery(conn, recipient: Recipient) -> str | None:
    """The outcome of the last delivery on the recipient's route to its address: delivered, failed, or None
    (never delivered)."""
    if conn.execute("select to_regclass('ops.alert_deliveries')").fetchone()[0] is None:
        return None
    row = conn.execute("select outcome from ops.alert_deliveries where route = %s and recipient = %s "
                       "order by delivery_id desc limit 1", (recipient.route, recipient.address)).fetchone()
    return row[0] if row else None


def told_about(conn, recipient: Recipient, feed_date: str, events: tuple[str, ...]) -> str | None:
    """The dedup key of an alert of one of ``events`` about ``feed_date`` delivered to the recipient, if any."""
    if conn.execute("select to_regclass('ops.alert_deliveries')").fetchone()[0] is None:
        return None
    row = conn.execute("select dedup_key from ops.alert_deliveries where route = %s and recipient = %s "
                       "and feed_date = %s and event = any(%s) and outcome = %s order by delivery_id limit 1",
                       (recipient.route, recipient.address, feed_date, list(events), DELIVERED)).fetchone()
    return row[0] if row else None
