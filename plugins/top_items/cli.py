"""``python -m top_items``: the operator's commands: read-outs of what the pipeline did, and the few changes a
person makes (overrides, reconcile, take-back, pause, a backfill of past days).

The pipeline itself only runs under Airflow (``airflow dags test top_items_pipeline D``): one control plane.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

from top_items import settings


def _summary(args) -> int:
    from top_items.connections import warehouse_connection
    from top_items.summary import format_summary, gather

    with warehouse_connection() as conn:
        print(format_summary(gather(conn, args.date)))
    return 0


def _reconcile(args) -> int:
    """Read the destination back, list the drift against the export and the ledger, repair it."""
    from top_items.activation.reconcile import reconcile
    from top_items.connections import warehouse_connection

    with warehouse_connection() as conn:
        result = reconcile(conn, args.consumer, run_id=args.run_id, dry_run=args.dry_run)
    run = result.run
    print(f"{run.consumer.name} against its export for {run.feed_date} (ops.sync_runs #{run.sync_run_id}, "
          f"mode reconcile, {run.outcome}):")
    print(result.table())
    print("dry run: nothing repaired" if args.dry_run else
          f"repaired: {sum(run.succeeded.values())} records, {run.rejected} rejected; held now {run.held_after}")
    return 1 if run.rejected else 0


def _take_back(args) -> int:
    """Publish the last good day again to one consumer or all of them, recorded with who and why."""
    from top_items.activation.errors import DecisionRefused
    from top_items.activation.takeback import take_back

    try:
        results = take_back(None if args.all else args.consumer, by=args.by, reason=args.reason)
    except DecisionRefused as exc:
        print(exc)
        return 2
    for name, found in results.items():
        moved = (f"took {found['taken_back']} back to {found['restored']}: " if "restored" in found else "")
        pushed = (f", {found['records_pushed']} records pushed (ops.sync_runs #{found['sync_run_id']})"
                  if "sync_run_id" in found else "")
        detail = f"\n  {found['detail']}" if found.get("detail") else ""
        print(f"{name:<14} {moved}{found['outcome']}{pushed}{detail}")
    return 0 if all(f["outcome"] in ("success", "warning") for f in results.values()) else 1


def _pause(args) -> int:
    """Pause or resume the pushes to one consumer (it is still planned), recorded with who and why."""
    from top_items.activation.errors import DecisionRefused
    from top_items.activation.pause import set_paused

    try:
        result = set_paused(args.consumer, not args.off, by=args.by, reason=args.reason)
    except DecisionRefused as exc:
        print(exc)
        return 2
    state = "paused" if result["paused"] else "pushed again from its next run"
    print(f"{args.consumer} {state}" + ("" if result["changed"] else " already; nothing recorded"))
    return 0


def _decisions(args) -> int:
    """What people decided about the consumers: approvals, rejects, take-backs, pauses; newest first."""
    from top_items.activation import decisions
    from top_items.connections import warehouse_connection

    with warehouse_connection() as conn:
        found = decisions.recent(conn, args.consumer, limit=args.limit)
    for d in found:
        day = f" {d.feed_date}" + (f" -> {d.restored_date}" if d.restored_date else "") if d.feed_date else ""
        print(f"#{d.decision_id:<5} {d.consumer:<14}{day} {d.describe()}"
              + (f" (run {d.run_id}" + (f", ops.sync_runs #{d.sync_run_id})" if d.sync_run_id else ")")
                 if d.run_id else ""))
    if not found:
        print("no decisions recorded")
    return 0


def _readiness(args) -> int:
    """Each consumer's tier and every requirement of it, met or missing; non-zero when a tier is not earned."""
    from top_items import readiness

    if os.environ.get("AIRFLOW_CONN_WAREHOUSE"):
        from top_items.connections import warehouse_connection
        from top_items.summary import freshness_lines

        with warehouse_connection() as conn:
            print(readiness.table(conn))
            unearned = readiness.unearned(conn)
            print("\nFreshness promises (consumers.yml fresh_by; the last due instant of each):")
            print("\n".join(f"  {line}" for line in freshness_lines(conn)))
    else:
        print(readiness.table())
        unearned = readiness.unearned()
    for name, missing in unearned.items():
        print(f"{name}: tier not earned, missing {', '.join(missing)}")
    return 1 if unearned else 0


def _overrides(args) -> int:
    """List the last-mile overrides with their state on a day, or add one (refused without owner or expiry)."""
    from datetime import UTC, datetime

    from top_items import overrides
    from top_items.connections import warehouse_connection

    day = date.fromisoformat(args.date) if args.date else datetime.now(UTC).date()  # feed dates are UTC days
    with warehouse_connection() as conn:
        if args.action == "add":
            override = overrides.Override(
                args.id, args.rule, args.sku, owner=args.owner, reason=args.reason,
                created=date.fromisoformat(args.created) if args.created else day,
                expires=date.fromisoformat(args.expires) if args.expires else None,
                store_id=args.store, market_id=args.market, license_type=args.license_type)
            try:
                overrides.add(conn, override)
            except overrides.OverrideRefused as exc:
                print(exc)
                return 1
            print(f"override {override.override_id} recorded: {override.rule} {override.sku_id} for "
                  f"{override.scope} from {override.created} until {override.expires} (owner {override.owner})")
            return 0
        found = overrides.read_all(conn)
        excluded = overrides.excluded_items(conn, day.isoformat())
    print(f"overrides on {day} (expiring: within {overrides.warning_days()} days; excluded: candidate items it "
          "excluded that day):")
    print(overrides.table(found, day, overrides.warning_days(), excluded))
    return 0


def _values(value) -> set[str]:
    """Every scalar in a record, lists held as one '; '-separated string (the CRM's) taken apart."""
    if isinstance(value, dict):
        return set().union(*map(_values, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_values, value)) if value else set()
    return set(str(value).split("; ")) if value is not None else set()


def _destinations(args) -> int:
    """Whether each consumer's destination holds a store's SKU, read back through its own API: one SKU, or every
    item of a day's retailer feedback."""
    from top_items.activation.destinations import build
    from top_items.connections import warehouse_connection
    from top_items.registry import consumers

    if args.store and not args.sku:
        print("--store needs --sku")
        return 2
    with warehouse_connection() as conn:
        items = [(args.store, args.sku)] if args.store else conn.execute(
            "select store_id, sku_id from raw.retailer_feedback where feed_date = %s order by 1, 2",
            (args.feedback_date,)).fetchall()
        names = dict(conn.execute("select distinct on (sku_id) sku_id, sku_name from marts.dim_skus "
                                  "where sku_id = any(%s) order by sku_id, feed_date desc",
                                  ([sku for _, sku in items],)).fetchall())
    if not items:
        print("no items to look for")
        return 1
    held = {}
    for name, consumer in consumers().items():
        destination = build(consumer)
        destination.connect()
        try:
            store_field = consumer.field_map["store_id"]
            records = list(destination.read_back().values())
        finally:
            destination.close()
        for store, sku in items:
            values = _values([r for r in records if r.get(store_field) == store])
            held[(name, store, sku)] = bool({sku, names.get(sku)} & values)  # the CRM holds names
    for store, sku in items:
        print(f"store {store}, SKU {sku} ({names.get(sku, '?')}), read back from each destination: "
              + ", ".join(f"{name} {'HOLDS IT' if held[(name, store, sku)] else 'not there'}"
                          for name in consumers()))
    return 0


def _preview(args) -> int:
    """Build the model files on disk aside for D, run the gates there, and diff each consumer with what is published."""
    from top_items.connections import warehouse_connection
    from top_items.preview import CANNOT_PREVIEW
    from top_items.preview.report import format_report
    from top_items.preview.run import NothingToPreview, preview

    for chatty in ("soda", "top_items"):  # every check's table and every model's SQL would bury the report
        logging.getLogger(chatty).setLevel(logging.WARNING)
    with warehouse_connection() as conn:
        try:
            result = preview(conn, args.date, against=args.against, sql_dir=Path(args.sql_dir).resolve())
        except NothingToPreview as exc:
            print(f"cannot preview: {exc}")
            return CANNOT_PREVIEW
    print(format_report(result, sample=args.sample))
    return result.exit_code


def _impact(args) -> int:
    from top_items.lineage import impact
    from top_items.registry import consumer

    found = impact(args.table)
    print(f"downstream of {args.table}:")
    for model in found["models"]:
        print(f"  model     {model}")
    for name in found["consumers"]:
        c = consumer(name)
        print(f"  consumer  {name:<13} via {c.export} -> {c.destination} (owner {c.owner})")
    if not found["models"] and not found["consumers"]:
        print("  nothing")
    return 0


def _lineage(args) -> int:
    """What the lineage receiver holds: each job's latest run, with what it read and wrote."""
    import requests
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(settings.LINEAGE_CONN_ID)
    session = requests.Session()
    session.trust_env = False  # the receiver is on loopback
    response = session.get(f"{conn.host.rstrip('/')}/api/v1/namespaces/{settings.LINEAGE_NAMESPACE}/jobs",
                           headers={"Authorization": f"Bearer {conn.password}"}, timeout=10)
    response.raise_for_status()
    for job in response.json()["jobs"]:
        names = {side: ", ".join(d["name"] for d in job[side]) or "-" for side in ("inputs", "outputs")}
        print(f"{job['name']:<52} {job['latestRun']['state'] or '':<9} {names['inputs']} -> {names['outputs']}")
    return 0


def _test_alert(args) -> int:
    """A test alert to each recipient asked for, on their route: proves the route, recorded as evidence."""
    from top_items import audience
    from top_items.alerts import send_test
    from top_items.connections import warehouse_connection

    recipients = ([audience.owner(args.consumer)] if args.consumer else
                  [audience.producer(args.producer)] if args.producer else audience.everyone())
    failed = 0
    with warehouse_connection() as conn:
        for recipient in filter(None, recipients):
            error = send_test(recipient, conn)
            failed += error is not None
            print(f"{recipient.name:<22} {recipient.route:<6} {recipient.address:<32} {error or 'delivered'}")
    return 1 if failed else 0


def _backfill(args) -> int:
    from top_items import backfill

    for run_id in backfill.create(args.from_date, args.to_date, dry_run=args.dry_run):
        print(run_id)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m top_items", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    summary = sub.add_parser("summary", help="print the run summary of a feed date")
    summary.add_argument("--date", required=True)
    summary.set_defaults(func=_summary)

    fill = sub.add_parser("backfill", help="re-run a range of past feed dates: one pipeline run per day, side by side "
                                           "(Airflow's own backfill refuses a DAG scheduled on partitioned assets)")
    fill.add_argument("--from", dest="from_date", required=True, help="first feed date, YYYY-MM-DD")
    fill.add_argument("--to", dest="to_date", required=True, help="last feed date, YYYY-MM-DD")
    fill.add_argument("--dry-run", action="store_true", help="the runs plan every push and push nothing")
    fill.set_defaults(func=_backfill)

    rec = sub.add_parser("reconcile", help="read a consumer's destination back and repair drift from its export")
    rec.add_argument("consumer", help="a consumer of include/contracts/consumers.yml")
    rec.add_argument("--dry-run", action="store_true", help="list the drift, repair nothing")
    rec.add_argument("--run-id", default="cli", help="recorded in ops.sync_runs.run_id")
    rec.set_defaults(func=_reconcile)

    back = sub.add_parser("take-back", help="publish the last good day again to a consumer (or all), through the "
                                             "diff sync, recorded with who and why")
    which_back = back.add_mutually_exclusive_group(required=True)
    which_back.add_argument("--consumer", help="a consumer of include/contracts/consumers.yml")
    which_back.add_argument("--all", action="store_true", help="every consumer")
    back.add_argument("--reason", required=True, help="why the day is taken back (recorded)")
    back.add_argument("--by", default=os.environ.get("USER") or None, help="who asks for it (default: $USER)")
    back.set_defaults(func=_take_back)
    paused = sub.add_parser("pause", help="pause the pushes to a consumer (still planned), or resume them (--off)")
    paused.add_argument("consumer", help="a consumer of include/contracts/consumers.yml")
    paused.add_argument("--off", action="store_true", help="resume the pushes")
    paused.add_argument("--reason", required=True, help="why (recorded)")
    paused.add_argument("--by", default=os.environ.get("USER") or None, help="who (default: $USER)")
    paused.set_defaults(func=_pause)
    decided = sub.add_parser("decisions", help="what people decided about the consumers, newest first")
    decided.add_argument("--consumer", help="only this consumer")
    decided.add_argument("--limit", type=int, default=50)
    decided.set_defaults(func=_decisions)

    ready = sub.add_parser("readiness", help="each consumer's tier and what the tier requires, met or missing")
    ready.set_defaults(func=_readiness)
    over = sub.add_parser("overrides", help="last-mile overrides and their state: active, expiring, expired")
    over.add_argument("action", nargs="?", choices=["list", "add"], default="list")
    over.add_argument("--date", help="the day states are judged on (default: today); add: the default created")
    over.add_argument("--id", help="add: the override's id (no spaces)")
    over.add_argument("--rule", choices=["suppress", "pin"], default="suppress")
    over.add_argument("--sku", help="add: the SKU it suppresses or pins")
    scope = over.add_mutually_exclusive_group()
    scope.add_argument("--store", help="add: for this store")
    scope.add_argument("--market", help="add: for every store of this market")
    scope.add_argument("--license-type", help="add: for every store of this licence type")
    over.add_argument("--owner", help="add: who answers for it (required)")
    over.add_argument("--reason", help="add: why (required)")
    over.add_argument("--created", help="add: first day it applies (default --date, else today)")
    over.add_argument("--expires", help="add: first day it no longer applies (required)")
    over.set_defaults(func=_overrides)

    dest = sub.add_parser("destinations", help="does S3, Salesforce and the CRM hold a store's SKU? (read back)")
    which = dest.add_mutually_exclusive_group(required=True)
    which.add_argument("--feedback-date", help="every item of this day's retailer feedback")
    which.add_argument("--store", help="one store (with --sku)")
    dest.add_argument("--sku")
    dest.set_defaults(func=_destinations)

    from top_items.preview import BASELINES, CANNOT_PREVIEW, PASSES, STOPPED

    pre = sub.add_parser(
        "preview", help="what the model files on disk would publish and push for day D (nothing moves)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build the model files into shadow schemas preview_<date>_<hash>_<layer> from D's raw data, run\n"
                    "the marts gate and every export contract there, and print per consumer the records added,\n"
                    "changed and removed against what is published for D, the push plan and the volume guard's\n"
                    "verdict. Writes nothing but the shadow, which it drops; calls no destination.",
        epilog=f"exit codes: {PASSES} every model builds, every gate passes and no volume guard would block;\n"
               f"  {STOPPED} a model fails to build, a gate fails or a guard would block (a real run of the change\n"
               f"  would be stopped: fail the pull request); {CANNOT_PREVIEW} nothing to preview (D not loaded) or "
               "bad arguments")
    pre.add_argument("--date", required=True, help="feed date D, YYYY-MM-DD (its raw data must be loaded)")
    pre.add_argument("--against", choices=BASELINES, default=BASELINES[0],
                     help="the baseline: what is published in marts/exports for D (the only one; see "
                          "docs/preview-and-lineage.md)")
    pre.add_argument("--sql-dir", default=str(settings.SQL_DIR), help="the model files to preview (include/sql)")
    pre.add_argument("--sample", type=int, default=3, help="records shown per consumer and kind of change")
    pre.set_defaults(func=_preview)
    impact = sub.add_parser("impact", help="who breaks if this table changes?")
    impact.add_argument("table", help="e.g. raw.inventory_feed or marts.dim_skus")
    impact.set_defaults(func=_impact)
    lineage = sub.add_parser("lineage", help="each job the lineage receiver knows: its last state, reads and writes")
    lineage.set_defaults(func=_lineage)
    test = sub.add_parser("test-alert", help="send a test alert on each route (every owner, producer and the "
                                             "on-call, or one): the delivery readiness asks for")
    one = test.add_mutually_exclusive_group()
    one.add_argument("--consumer", help="only this consumer's owner")
    one.add_argument("--producer", help="only this producer (include/contracts/producers.yml)")
    test.set_defaults(func=_test_alert)
    return p


def run(commands: argparse.ArgumentParser, argv: list[str] | None) -> int:
    """Parse ``argv`` and run the command it names, logging to stderr so stdout holds only what a person reads."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    args = commands.parse_args(argv)
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    return run(parser(), argv)
