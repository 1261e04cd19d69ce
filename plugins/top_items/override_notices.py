"""Tell an override's owner it is about to expire, and page them once when it has.

For feed date D: an override expiring within ``override_warning_days`` gets one warning, an expired one (D >=
expires: it no longer applies, see ``staging.stg_overrides``) one page. Each notice is sent once per override, ever
(``ops.override_notices``, and the alert's ``dedup_key`` says so to the pager), so re-runs and backfills of other
days repeat nothing. A notice is recorded in the transaction that sends it: if the pager refuses it, nothing is
recorded and the task's retry sends it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from top_items import overrides

log = logging.getLogger(__name__)
SEVERITY = {"expiring": "warning", "expired": "info"}


@dataclass(frozen=True)
class Notice:
    override_id: str
    notice: str  # 'expiring' or 'expired'
    owner: str
    expires: date


def due(conn, feed_date: str) -> list[tuple[overrides.Override, str]]:
    """The overrides whose state on the day calls for a notice not sent yet."""
    day, window = date.fromisoformat(feed_date), overrides.warning_days()
    sent = set(conn.execute("select override_id, notice from ops.override_notices").fetchall())
    found = []
    for override in overrides.read_all(conn):
        kind = overrides.state(override, day, window)
        # an expiring warning after the page (a backfill of an older day) would only confuse the owner
        if kind in SEVERITY and not {(override.override_id, kind), (override.override_id, "expired")} & sent:
            found.append((override, kind))
    return found


def alert(override: overrides.Override, kind: str, feed_date: str, run_id: str | None) -> dict:
    what = (f"expires on {override.expires}: it stops applying then; move the rule into include/sql/marts/ or "
            "add a new override" if kind == "expiring" else
            f"expired on {override.expires} and no longer applies from feed date {override.expires}")
    return {
        "summary": f"[override {override.override_id}] {override.rule} {override.sku_id} for {override.scope} "
                   f"{what}"[:300],
        "severity": SEVERITY[kind],
        "owner": override.owner,
        "override_id": override.override_id,
        "notice": kind,
        "feed_date": feed_date,
        "run_id": run_id,
        "cause": f"owner {override.owner}; reason: {override.reason}; created {override.created}, "
                 f"expires {override.expires}",
        "dedup_key": f"override/{override.override_id}/{kind}",
    }


def send_due(conn, feed_date: str, run_id: str | None, post: Callable[[dict], None]) -> list[Notice]:
    """Send every notice due on the day through ``post`` (alerts.post_alert in the DAG), each once."""
    sent = []
    for override, kind in due(conn, feed_date):
        with conn.transaction():
            inserted = conn.execute(
                "insert into ops.override_notices (override_id, notice, feed_date, run_id, owner) "
                "values (%s, %s, %s, %s, %s) on conflict do nothing",
                (override.override_id, kind, feed_date, run_id, override.owner)).rowcount
            if inserted:  # a run of another day may have sent it meanwhile
                post(alert(override, kind, feed_date, run_id))
                sent.append(Notice(override.override_id, kind, override.owner, override.expires))
                log.info("told %s: override %s is %s (expires %s)", override.owner, override.override_id, kind,
                         override.expires)
    return sent


def sent_for(conn, feed_date: str) -> list[dict]:
    """Notices sent by runs of the day (the run summary lists them)."""
    cur = conn.execute("select override_id, notice, owner, sent_at from ops.override_notices where feed_date = %s "
                       "order by notice, override_id", (feed_date,))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
