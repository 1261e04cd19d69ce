"""The run summary a person reads: what came in, what was refused and why, what was built, what went out."""

from __future__ import annotations

from typing import Any

from top_items.activation import decisions, ledger, pause
from top_items.ingest.feedback import DATASET as FEEDBACK_DATASET
from top_items.quality.outcomes import FAILING, NO_HISTORY, PASS, WARN
from top_items.registry import consumers
from top_items.transform.models import discover

SHOW_FILES = 60
CORE_MODEL = "marts.store_missing_top_items"


def _rows(conn, query: str, params: tuple | dict) -> list[dict[str, Any]]:
    cur = conn.execute(query, params)
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def gather(conn, feed_date: str, run_id: str | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {"feed_date": feed_date}
    # The newest load of each file for the day: earlier attempts stay in ops.load_audit as history.
    summary["loads"] = _rows(conn, """
        select distinct on (dataset, source_file) dataset, source_file, status, rows_in, rows_loaded,
               rows_quarantined, error
        from ops.load_audit where feed_date = %s
        order by dataset, source_file, load_id desc""", (feed_date,))
    summary["quarantine_reasons"] = _rows(conn, """
        select reason, count(*) as rows from raw.feed_quarantine where feed_date = %s
        group by reason order by rows desc, reason""", (feed_date,))
    summary["models"] = _rows(conn, """
        select distinct on (model) model, materialized, row_count, duration_s
        from ops.model_runs where feed_date = %s order by model, built_at desc""", (feed_date,))
    summary["stores_without_feed"] = [r["store_id"] for r in _rows(conn, """
        select store_id from marts.fct_store_feed_coverage where feed_date = %s and not has_valid_feed
        order by store_id""", (feed_date,))] if _exists(conn, "marts.fct_store_feed_coverage") else []
    summary["exclusions"] = _rows(conn, """
        select coalesce(excluded_because, 'eligible') as rule, count(*) as candidates
        from marts.fct_store_top_item_candidates where feed_date = %s
        group by 1 order by 2 desc""", (feed_date,)) if _exists(conn, "marts.fct_store_top_item_candidates") else []
    # The newest run of each gate for the day (or this run's), and its checks that did not simply pass.
    summary["gates"] = _rows(conn, """
        with latest as (
            select distinct on (gate) gate, run_id, recorded_at from ops.dq_results
            where feed_date = %(day)s and (%(run)s::text is null or run_id = %(run)s)
            order by gate, recorded_at desc
        )
        select r.gate, count(*) filter (where r.outcome = %(pass)s) as passed,
               count(*) filter (where r.outcome = any(%(failing)s)) as failed,
               count(*) filter (where r.outcome = %(warn)s) as warned,
               count(*) filter (where r.outcome = %(no_history)s) as no_history,
               string_agg(case when r.outcome <> %(pass)s then r.outcome || ': ' || r.dataset || ' ' || r.check_name
                          || coalesce(' = ' || r.measured_value, '')
                          || coalesce(' (threshold ' || r.threshold || ')', '')
                          end, '; ' order by r.outcome, r.dataset) as notes
        from ops.dq_results as r inner join latest using (gate, run_id)
        group by r.gate order by r.gate""",
        {"day": feed_date, "run": run_id, "pass": PASS, "warn": WARN, "no_history": NO_HISTORY,
         "failing": sorted(FAILING)}) if _exists(conn, "ops.dq_results") else []
    summary["stale_files"] = [row["source_file"] for row in summary["loads"] if row["status"] == "stale"]
    # Write-audit-publish: what of this day readers and pushes can see (a failed day leaves the previous one).
    summary["published"] = {model.qualified_name: _exists(conn, model.qualified_name) and conn.execute(
        f"select exists (select from {model.qualified_name} where feed_date = %s)", (feed_date,)).fetchone()[0]
        for model in discover() if model.layer == "exports" or model.qualified_name == CORE_MODEL}
    summary["syncs"] = ledger.latest_runs(conn, feed_date)
    summary["paused"] = {name: found for name in consumers() if (found := pause.current(conn, name))}
    summary["decisions"] = decisions.of_day(conn, feed_date)
    summary["overrides"] = _overrides(conn, feed_date) if _exists(conn, "raw.overrides") else []
    summary["freshness"] = freshness_lines(conn)
    summary["landing"] = _rows(conn, """
        select event, reason, expected, landed, stores from ops.day_announcements where day = %s
        order by announced_at""", (feed_date,)) if _exists(conn, "ops.day_announcements") else []
    summary["feedback_reasons"] = _rows(conn, """
        select reason, count(*) as rows from raw.feedback_quarantine where feed_date = %s
        group by reason order by rows desc, reason""", (feed_date,)) if _exists(conn, "raw.feedback_quarantine") else []
    return summary


def freshness_lines(conn) -> list[str]:
    """Each consumer's freshness promise and whether its last due instant kept it (the summary and readiness)."""
    from top_items.activation.freshness import last_verdicts
    from top_items.activation.promises import promises

    verdicts = last_verdicts(conn)
    lines = []
    for promise in promises():
        found = verdicts.get(promise.consumer)
        if found is None:
            state = "not yet judged"
        elif found["kept"]:
            state = f"kept for {found['day']}"
        else:
            state = f"MISSED for {found['day']}" + (" (since recovered)" if found["recovered_at"] else "") \
                + f": {found['detail']}"
        lines.append(f"{promise.consumer:<14} fresh {promise.text():<22} {state}")
    return lines


def _overrides(conn, feed_date: str) -> list[dict[str, Any]]:
    """Every override not long expired, with its state on the day, what it excluded and what its owner was told."""
    from datetime import date, timedelta

    from top_items import overrides
    from top_items.override_notices import sent_for

    day, window = date.fromisoformat(feed_date), overrides.warning_days()
    excluded = overrides.excluded_items(conn, feed_date)
    told = {(n["override_id"], n["notice"]) for n in sent_for(conn, feed_date)}
    return [{"override": o, "state": overrides.state(o, day, window), "excluded": excluded.get(o.override_id, 0),
             "told": [kind for kind in ("expiring", "expired") if (o.override_id, kind) in told]}
            for o in overrides.read_all(conn) if o.expires > day - timedelta(days=window)]


def _format_last_mile(summary: dict[str, Any], feedback: list[dict[str, Any]]) -> list[str]:
    out = ["", f"Retailer feedback objects: {len(feedback)}"]
    for row in feedback:
        out.append(f"  {row['source_file']:<58} {row['status']:<8} {row['rows_in']:>7} {row['rows_loaded']:>7} "
                   f"{row['rows_quarantined']:>8}" + (f"  {row['error']}" if row["error"] else ""))
    if summary["feedback_reasons"]:
        out.append("  quarantined by reason: " + ", ".join(f"{r['reason']} {r['rows']}"
                                                         for r in summary["feedback_reasons"])
                   + "  (raw.feedback_quarantine)")
    out.append("Last-mile overrides (raw.overrides; python -m top_items overrides):")
    for row in summary["overrides"]:
        o = row["override"]
        out.append(f"  {row['state']:<9} {o.override_id:<40} {o.rule} {o.sku_id} for {o.scope}, owner {o.owner}, "
                   f"expires {o.expires}" + (f", excluded {row['excluded']} items today" if row["excluded"] else "")
                   + ("".join(f"; owner told: {kind}" for kind in row["told"])))
    if not summary["overrides"]:
        out.append("  none in force or recently expired")
    return out


def format_summary(summary: dict[str, Any]) -> str:
    out = [f"=== top_items_pipeline summary for feed date {summary['feed_date']} ==="]
    feeds = [row for row in summary["loads"] if row["dataset"] == "inventory_feed"]
    feedback = [row for row in summary["loads"] if row["dataset"] == FEEDBACK_DATASET]
    reference = [row for row in summary["loads"] if row["dataset"] not in ("inventory_feed", FEEDBACK_DATASET)]
    out.append("")
    for row in summary.get("landing", []):
        stores = ", ".join(row["stores"][:10]) + (" ..." if len(row["stores"]) > 10 else "")
        what = "missing" if row["event"] in ("ready", "missed_deadline") else "late"
        out.append(f"Landing: {row['event']} ({row['reason']}), {row['landed']} of {row['expected']} stores landed"
                   + (f"; {len(row['stores'])} {what}: {stores}" if row["stores"] else ""))
    out.append("Reference snapshots:")
    for row in reference:
        out.append(f"  {row['dataset']:<12} {row['status']:<8} {row['rows_loaded']:>9} rows  {row['source_file']}"
                   + (f"  ({row['error']})" if row["error"] else ""))
    out.append("")
    out.append(f"Inventory feed files: {len(feeds)}")
    out.append(f"  {'file':<58} {'status':<8} {'in':>7} {'loaded':>7} {'quarant.':>8}")
    for row in feeds[:SHOW_FILES]:
        out.append(f"  {row['source_file']:<58} {row['status']:<8} {row['rows_in']:>7} {row['rows_loaded']:>7} "
                   f"{row['rows_quarantined']:>8}" + (f"  {row['error']}" if row["error"] else ""))
    if len(feeds) > SHOW_FILES:
        out.append(f"  ... {len(feeds) - SHOW_FILES} more files (ops.load_audit)")
    totals = {key: sum(row[key] for row in feeds) for key in ("rows_in", "rows_loaded", "rows_quarantined")}
    out.append(f"  {'total':<58} {'':<8} {totals['rows_in']:>7} {totals['rows_loaded']:>7} "
               f"{totals['rows_quarantined']:>8}")
    if summary["quarantine_reasons"]:
        reasons = ", ".join(f"{r['reason']} {r['rows']}" for r in summary["quarantine_reasons"])
        out.append("  quarantined by reason: " + reasons + "  (raw.feed_quarantine)")
    if summary["stale_files"]:
        out.append(f"  stale files (a replay of an earlier day; kept in quarantine): {len(summary['stale_files'])}")
    if summary["stores_without_feed"]:
        out.append("  stores without a valid feed (no recommendations today): "
                   f"{', '.join(summary['stores_without_feed'])}")
    out += _format_last_mile(summary, feedback)
    out.append("")
    out.append("Models:")
    for row in summary["models"]:
        out.append(f"  {row['model']:<40} {row['materialized']:<12} {row['row_count']:>8} rows  {row['duration_s']}s")
    if summary["exclusions"]:
        out.append("  market top-list candidates per store, by the rule that excludes them: "
                   + ", ".join(f"{r['rule']} {r['candidates']}" for r in summary["exclusions"]))
    out.append("")
    out.append("Quality gates (Soda contracts, include/contracts/):")
    for row in summary["gates"]:
        out.append(f"  {row['gate']:<22} {row['passed']:>3} passed, {row['warned']} warned, {row['failed']} failed"
                   + (f", {row['no_history']} without history yet" if row["no_history"] else ""))
        if row["notes"]:
            out += [f"  {'':<22} {note}" for note in row["notes"].split("; ")]
    if not summary["gates"]:
        out.append("  no gate has run for this day")
    out.append("")
    published = [name for name, done in summary["published"].items() if done]
    out.append("Published for this day (write-audit-publish): "
               + (", ".join(published) if published else "nothing; readers still see the previous published day"))
    out.append("")
    out.append("Consumers (name, promotion tier, destination, outcome):")
    for row in summary["syncs"]:
        moved = (row["planned_adds"], row["planned_changes"], row["planned_removes"], row["planned_restamps"])
        plan = (f"plan +{moved[0]} ~{moved[1]} -{moved[2]} ({moved[3]} restamped), " if any(moved) else "") \
            + ("(dry run) " if row["mode"] == "dry_run" else "")
        tier = consumers()[row["consumer"]].tier if row["consumer"] in consumers() else "?"
        outcome = "paused" if row["outcome"] == "skipped" and row["consumer"] in summary["paused"] else row["outcome"]
        out.append(f"  {row['consumer']:<14} {tier:<10} {row['destination']:<11} {outcome:<8} {plan}"
                   f"{row['records_pushed']} records pushed, {row['failed']} failed, {row['api_calls']} API calls"
                   + (f"\n  {'':<14} -> {row['location']}" if row["location"] else "")
                   + (f"\n  {'':<14} !! {row['detail']}" if row["detail"] else ""))
    if not summary["syncs"]:
        out.append("  nothing published")
    for name, found in summary["paused"].items():
        out.append(f"  {name} is {pause.describe(found)} (python -m top_items pause {name} --off ...)")
    if summary.get("freshness"):
        out.append("Freshness promises (consumers.yml fresh_by; the last due instant of each):")
        out += [f"  {line}" for line in summary["freshness"]]
    if summary["decisions"]:
        out.append("Decisions about this day (ops.consumer_decisions; python -m top_items decisions):")
        out += [f"  {d.consumer:<14} {d.describe()}" + (f" (restored {d.restored_date})" if d.restored_date else "")
                + (f" -> ops.sync_runs #{d.sync_run_id}" if d.sync_run_id else "") for d in summary["decisions"]]
    out.append("")
    out.append("Look at it (in the world `make up` keeps running; `make demo` stops its own):")
    out.append("  source .world.env && .venv/bin/python -m sandbox latest"
               "     # the retailer app's view (latest.json)")
    out.append("  source .world.env && .venv/bin/python -m top_items summary --date " + summary["feed_date"])
    out.append("  psql \"$AIRFLOW_CONN_WAREHOUSE\" -c 'select * from marts.store_missing_top_items limit 20'")
    return "\n".join(out)
