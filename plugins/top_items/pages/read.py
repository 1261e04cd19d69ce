"""Everything the pages show, read from the warehouse (plain SQL, read only) and from the product's own modules.

The one module the pages read through: each function answers one question of one page for one feed date, so a
page is a template over a few of these and a test can compare a page with the same query. Nothing here writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from top_items import lineage, overrides, readiness, settings
from top_items.activation import decisions, ledger, pause
from top_items.alerts import INCIDENT_PREFIX
from top_items.layers import PUBLISHED_LAYERS, SOURCE_LAYER
from top_items.registry import consumers

HISTORY_DAYS = 14  # how far back the gates' sparklines and a store's list changes look
DECISIONS_SHOWN = 5  # a consumer's newest decisions (pause, take-back, approval) on the Consumers page
OVERRIDE_PREFIX = "override:"  # how the candidates model names an override that excluded an item


def rows(conn, query: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
    cur = conn.execute(query, params)
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def feed_dates(conn) -> list[date]:
    """Every feed date anything was loaded for, newest first: the days a page can be asked about."""
    return [row[0] for row in conn.execute(
        "select distinct feed_date from ops.load_audit order by feed_date desc").fetchall()]


def feed_date_or_newest(conn, requested: date | None) -> date | None:
    if requested:
        return requested
    days = feed_dates(conn)
    return days[0] if days else None


# --- Stores ------------------------------------------------------------------------------------------------------

def markets(conn, day: date) -> list[str]:
    return [r[0] for r in conn.execute("select distinct market_id from marts.dim_stores where feed_date = %s "
                                       "order by 1", (day,)).fetchall()]


def stores(conn, day: date, market_id: str) -> list[dict]:
    return rows(conn, """
        select s.store_id, s.store_name, s.license_type, coalesce(c.has_valid_feed, false) as has_valid_feed
        from marts.dim_stores as s
        left join marts.fct_store_feed_coverage as c on c.feed_date = s.feed_date and c.store_id = s.store_id
        where s.feed_date = %s and s.market_id = %s order by s.store_id""", (day, market_id))


def store(conn, day: date, store_id: str) -> dict | None:
    found = rows(conn, """
        select s.store_id, s.store_name, s.market_id, s.license_type, s.salesforce_account_id,
               c.has_valid_feed, c.rows_loaded, c.skus_in_stock
        from marts.dim_stores as s
        left join marts.fct_store_feed_coverage as c on c.feed_date = s.feed_date and c.store_id = s.store_id
        where s.feed_date = %s and s.store_id = %s""", (day, store_id))
    return found[0] if found else None


def store_list(conn, day: date, store_id: str) -> list[dict]:
    """The store's recommendations for the day, in rank order, as every export reshapes them."""
    return rows(conn, """
        select m.store_rank, m.sku_id, k.sku_name, k.brand, k.category, m.market_rank
        from marts.store_missing_top_items as m
        left join marts.dim_skus as k on k.feed_date = m.feed_date and k.sku_id = m.sku_id
        where m.feed_date = %s and m.store_id = %s order by m.store_rank""", (day, store_id))


def store_excluded(conn, day: date, store_id: str) -> list[dict]:
    """Every market top item the store does not get because a rule excluded it, with the rule (and the override's
    owner and expiry when an override did)."""
    return rows(conn, """
        select c.market_rank, c.sku_id, k.sku_name, k.category, c.excluded_because,
               o.owner as override_owner, o.expires as override_expires, o.reason as override_reason
        from marts.fct_store_top_item_candidates as c
        left join marts.dim_skus as k on k.feed_date = c.feed_date and k.sku_id = c.sku_id
        left join raw.overrides as o
            on c.excluded_because like %(prefix)s || '%%'
            and o.override_id = substr(c.excluded_because, length(%(prefix)s) + 1)
        where c.feed_date = %(day)s and c.store_id = %(store)s and c.excluded_because is not null
        order by c.market_rank""", {"day": day, "store": store_id, "prefix": OVERRIDE_PREFIX})


def store_changes(conn, day: date, store_id: str, days: int = HISTORY_DAYS) -> list[dict]:
    """The store's list on each published day up to ``day``, newest first, with what came in and went out since
    the published day before it."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for feed_date, sku_id in conn.execute("""
            select feed_date, sku_id from marts.store_missing_top_items
            where store_id = %s and feed_date between %s and %s order by feed_date, store_rank""",
                                          (store_id, day - timedelta(days=days), day)).fetchall():
        by_day[feed_date].append(sku_id)
    published = [r[0] for r in conn.execute(
        "select distinct feed_date from marts.store_missing_top_items where feed_date between %s and %s "
        "order by 1", (day - timedelta(days=days), day)).fetchall()]
    changes, before = [], None
    for feed_date in published:
        now = by_day.get(feed_date, [])
        changes.append({"feed_date": feed_date, "skus": now,
                        "added": [s for s in now if before is not None and s not in before],
                        "removed": [s for s in (before or []) if s not in now]})
        before = now
    return changes[::-1]


# --- Today -------------------------------------------------------------------------------------------------------

def loads(conn, day: date) -> list[dict]:
    """The newest load of each file of the day (earlier attempts stay in ops.load_audit as history)."""
    return rows(conn, """
        select distinct on (dataset, source_file) dataset, source_file, status, rows_in, rows_loaded,
               rows_quarantined, error, loaded_at
        from ops.load_audit where feed_date = %s order by dataset, source_file, load_id desc""", (day,))


def load_totals(found: list[dict]) -> list[dict]:
    """Per dataset: files by status and rows in, loaded and quarantined."""
    totals: dict[str, dict] = {}
    for row in found:
        total = totals.setdefault(row["dataset"], {"dataset": row["dataset"], "files": 0, "rows_in": 0,
                                                   "rows_loaded": 0, "rows_quarantined": 0, "status": {}})
        total["files"] += 1
        total["status"][row["status"]] = total["status"].get(row["status"], 0) + 1
        for key in ("rows_in", "rows_loaded", "rows_quarantined"):
            total[key] += row[key]
    return list(totals.values())


def quarantine_by_reason(conn, day: date) -> list[dict]:
    return rows(conn, "select reason, count(*) as rows from raw.feed_quarantine where feed_date = %s "
                      "group by reason order by rows desc, reason", (day,))


def quarantine_by_store(conn, day: date) -> list[dict]:
    """Quarantined feed rows per store and reason; the store is read from the file's name, as the loader does."""
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for source_file, reason, count in conn.execute(
            "select source_file, reason, count(*) from raw.feed_quarantine where feed_date = %s group by 1, 2",
            (day,)).fetchall():
        key = source_file.split(f"s3://{settings.LANDING_BUCKET}/", 1)[-1]
        counted[(settings.feed_store_id(day.isoformat(), key) or source_file, reason)] += count
    return [{"store_id": s, "reason": r, "rows": n} for (s, r), n in sorted(counted.items(), key=lambda i: (-i[1],
                                                                                                          i[0]))]


def gate_checks(conn, day: date, days: int = HISTORY_DAYS) -> dict[str, list[dict]]:
    """Each gate's checks in its newest run for the day, each with its measured values on the days before."""
    checks = rows(conn, """
        with latest as (
            select distinct on (gate) gate, run_id from ops.dq_results where feed_date = %s
            order by gate, recorded_at desc
        )
        select r.gate, r.dataset, r.check_name, r.level, r.outcome, r.measured_value, r.threshold, r.detail
        from ops.dq_results as r inner join latest using (gate, run_id)
        where r.feed_date = %s order by r.gate, r.dataset, r.check_name""", (day, day))
    history: dict[tuple, list[tuple]] = defaultdict(list)
    for gate, dataset, check, feed_date, value, outcome in conn.execute("""
            select distinct on (gate, dataset, check_name, feed_date) gate, dataset, check_name, feed_date,
                   measured_value, outcome
            from ops.dq_results where feed_date between %s and %s
            order by gate, dataset, check_name, feed_date, recorded_at desc""",
                                                                        (day - timedelta(days=days), day)).fetchall():
        history[(gate, dataset, check)].append((feed_date, value, outcome))
    by_gate: dict[str, list[dict]] = defaultdict(list)
    for check in checks:
        check["history"] = history[(check["gate"], check["dataset"], check["check_name"])]
        by_gate[check["gate"]].append(check)
    return dict(by_gate)


def published(conn, day: date) -> list[dict]:
    """Each published table (marts, exports) and whether it holds the day: write-audit-publish's outcome."""
    from top_items.transform.models import discover

    found = []
    for model in discover():
        if model.layer not in PUBLISHED_LAYERS:
            continue
        held = exists(conn, model.qualified_name) and conn.execute(
            f"select count(*) from {model.qualified_name} where feed_date = %s", (day,)).fetchone()[0]
        found.append({"model": model.qualified_name, "rows": held or 0})
    return found


def model_runs(conn, day: date) -> list[dict]:
    return rows(conn, """
        select distinct on (model) model, materialized, row_count, duration_s, built_at
        from ops.model_runs where feed_date = %s order by model, built_at desc""", (day,))


def pushes(conn, day: date) -> list[dict]:
    """Each consumer's newest push (or dry run) for the day: its plan, its outcome and the rows refused."""
    found = rows(conn, """
        select distinct on (consumer) *
        from ops.sync_runs where feed_date = %s and mode <> 'reconcile' order by consumer, sync_run_id desc""",
                 (day,))
    errors: dict[int, list[dict]] = defaultdict(list)
    for error in rows(conn, """
            select sync_run_id, record_key, operation, error_code, message from ops.sync_errors
            where sync_run_id = any(%s) order by sync_run_id, record_key""", ([r["sync_run_id"] for r in found],)):
        errors[error["sync_run_id"]].append(error)
    for push in found:
        push["errors"] = errors[push["sync_run_id"]]
    return found


def incidents() -> list[dict]:
    """Open incidents: the Airflow Variables the pager notifier keeps (top_items/alerts.py), each its alert."""
    from airflow.models import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        found = session.query(Variable).filter(Variable.key.startswith(INCIDENT_PREFIX)).all()
        held = [(variable.key, variable.val) for variable in found]
    opened = []
    for key, value in sorted(held):
        try:
            alert = json.loads(value)
        except (TypeError, ValueError):
            alert = {"summary": str(value)}
        opened.append({"key": key, **alert})
    return opened


# --- Consumers ---------------------------------------------------------------------------------------------------

def consumer_status(conn, day: date | None) -> list[dict]:
    """Per consumer: its tier and what that tier needs, its last sync, its last reconcile's drift, and how old the
    feed date it holds is next to ``day``."""
    found = []
    for name, consumer in consumers().items():
        last = rows(conn, "select * from ops.sync_runs where consumer = %s and mode = 'push' "
                          "order by sync_run_id desc limit 1", (name,))
        reconciled = rows(conn, "select * from ops.sync_runs where consumer = %s and mode = 'reconcile' "
                                "order by sync_run_id desc limit 1", (name,))
        holds = ledger.newest_pushed_feed_date(conn, name)
        decided = exists(conn, "ops.consumer_decisions")
        found.append({"name": name, "consumer": consumer, "readiness": readiness.assess(consumer, conn),
                      "paused": pause.current(conn, name) if decided else None,
                      "decisions": decisions.recent(conn, name, limit=DECISIONS_SHOWN) if decided else [],
                      "last_push": last[0] if last else None, "reconcile": reconciled[0] if reconciled else None,
                      "holds": holds, "held_records": ledger.held(conn, name),
                      "days_behind": (day - holds).days if holds and day else None})
    return found


# --- Last mile ---------------------------------------------------------------------------------------------------

def overrides_on(conn, day: date) -> list[dict]:
    """Every override with its state on the day and how many candidate items it excluded that day."""
    window = overrides.warning_days()
    excluded = overrides.excluded_items(conn, day.isoformat())
    return [{"override": o, "state": overrides.state(o, day, window), "excluded": excluded.get(o.override_id, 0),
             "days_left": (o.expires - day).days} for o in overrides.read_all(conn)]


def excluded_by_override(conn, day: date, override_id: str) -> list[dict]:
    return rows(conn, "select store_id, sku_id, market_rank from marts.fct_store_top_item_candidates "
                      "where feed_date = %s and excluded_because = %s order by store_id, market_rank",
                (day, OVERRIDE_PREFIX + override_id))


def feedback(conn, day: date) -> list[dict]:
    """The retailer app's feedback items up to the day, newest first, each with the override it became and the
    time that override has left."""
    return rows(conn, """
        select f.feed_date, f.store_id, f.sku_id, f.reason, o.override_id, o.rule, o.expires,
               o.expires - %(day)s::date as days_left
        from raw.retailer_feedback as f
        left join raw.overrides as o
            on o.source = 'retailer_feedback' and o.feed_date = f.feed_date and o.store_id = f.store_id
            and o.sku_id = f.sku_id
        where f.feed_date <= %(day)s order by f.feed_date desc, f.store_id, f.sku_id""", {"day": day})


def feedback_refused(conn, day: date) -> list[dict]:
    return rows(conn, "select source_file, source_line, reason, raw_record from raw.feedback_quarantine "
                      "where feed_date = %s order by source_file, source_line", (day,))


# --- Lineage -----------------------------------------------------------------------------------------------------

LAYER_ORDER = ("landing", SOURCE_LAYER, "staging", *PUBLISHED_LAYERS, lineage.CONSUMER_LAYER)


def lineage_columns() -> tuple[list[list[str]], list[tuple[str, str]]]:
    """The lineage graph's nodes in one column per layer, inputs to consumers, and its edges."""
    graph = lineage.graph()
    columns = [[node for node in graph.nodes if node.split(".", 1)[0] == layer] for layer in LAYER_ORDER]
    return columns, sorted(graph.edges)
