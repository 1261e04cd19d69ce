"""``python -m top_items``: the simulated world, the source files, and read-outs of what the pipeline did.

The pipeline itself only runs under Airflow (``airflow dags test top_items_pipeline D``): one control plane.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from datetime import date
from pathlib import Path

from top_items import settings

WORLD_NAME = ".world"  # the world's state lives in <repo>/<name>/ and its env file is <repo>/<name>.env


def _world(args) -> int:
    from top_items.world import stack

    world_dir = settings.REPO_ROOT / args.name
    env_file = settings.REPO_ROOT / f"{args.name}.env"
    if args.action == "compose-env":
        world = stack.compose_world()
        env = {k: v for k, v in world.environment().items() if k.startswith(("AIRFLOW_CONN_", "AWS_"))}
        stack.write_env_file(world, Path(args.out), env)
        print(f"wrote the compose world's connections to {args.out}")
        return 0
    if args.action == "up":
        if args.fresh:
            stack.down(world_dir)
            shutil.rmtree(world_dir, ignore_errors=True)
        # A fresh world is throwaway (make demo); the others keep S3 and Airflow's metadata across down/up.
        world = stack.up(world_dir, warehouse_uri=args.warehouse_uri or os.environ.get("WAREHOUSE_URI") or None,
                         persistent=not args.fresh)
        stack.write_env_file(world, env_file)
        where = "embedded Postgres" if world.embedded_warehouse else "the server at WAREHOUSE_URI"
        print(f"world up: warehouse on {where} ({world.warehouse_uri}), S3 on {world.s3_endpoint}"
              + "".join(f", {name}" for name in world.services) + f"\nsource {env_file.name} to use it")
    else:
        stack.down(world_dir)
        env_file.unlink(missing_ok=True)
        print("world down")
    return 0


def _simulate(args) -> int:
    from top_items.connections import s3_client
    from top_items.simulate.catalog import WorldSpec
    from top_items.simulate.publish import write_day

    spec = WorldSpec(seed=args.seed, markets=args.markets, stores=args.stores, skus=args.skus, days=args.days,
                     bad_row_rate=args.bad_row_rate, missing_feeds=args.missing_feeds)
    written = write_day(s3_client(), spec, date.fromisoformat(args.date))
    print(f"simulated {written.feed_date}: {written.feed_files} feed files, {written.files - written.feed_files} "
          f"reference snapshots, {written.bytes / 1e6:.1f} MB -> s3://{settings.LANDING_BUCKET}/")
    return 0


def _buckets(args) -> int:
    from top_items.connections import s3_client
    from top_items.world.stack import BUCKETS, create_buckets

    create_buckets(s3_client())
    print(f"buckets ready: {', '.join(BUCKETS)}")
    return 0


def _database(args) -> int:
    """Create a database beside the warehouse's (docker compose keeps Airflow's metadata there)."""
    from urllib.parse import urlsplit, urlunsplit

    from top_items.world.warehouse import ensure_database, normalize_uri

    parts = urlsplit(normalize_uri(os.environ["AIRFLOW_CONN_WAREHOUSE"]))
    ensure_database(urlunsplit(parts._replace(path="/postgres")), args.name)
    print(f"database {args.name} ready")
    return 0


def _summary(args) -> int:
    from top_items.connections import warehouse_connection
    from top_items.summary import format_summary, gather

    with warehouse_connection() as conn:
        print(format_summary(gather(conn, args.date)))
    return 0


def _latest(args) -> int:
    """Read the handoff exactly as the retailer app would: latest.json -> manifest -> parts."""
    from top_items.activation.destinations.retailer_app import read_latest
    from top_items.connections import s3_client

    s3 = s3_client()
    pointer, _ = read_latest(s3, settings.RETAILER_APP_BUCKET)
    if pointer is None:
        print("no latest.json yet: nothing published")
        return 1
    manifest = json.loads(s3.get_object(Bucket=settings.RETAILER_APP_BUCKET, Key=pointer["manifest"])["Body"].read())
    print(json.dumps(pointer, indent=2))
    print(f"manifest: {manifest['row_count']} stores in {len(manifest['files'])} part(s), "
          f"schema v{manifest['schema_version']}")
    first = s3.get_object(Bucket=settings.RETAILER_APP_BUCKET, Key=manifest["files"][0]["key"])["Body"]
    for line in first.read().decode().splitlines()[: args.stores]:
        record = json.loads(line)
        print(f"  {record['store_id']}: " + "; ".join(f"{i['rank']}. {i['name']}" for i in record["items"]))
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


def _readiness(args) -> int:
    """Each consumer's tier and every requirement of it, met or missing; non-zero when a tier is not earned."""
    import os

    from top_items import readiness

    if os.environ.get("AIRFLOW_CONN_WAREHOUSE"):
        from top_items.connections import warehouse_connection

        with warehouse_connection() as conn:
            print(readiness.table(conn))
            unearned = readiness.unearned(conn)
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


def _last_mile(args) -> int:
    """The demo's stakeholders: account managers add two overrides, a retailer sends feedback through the app."""
    from top_items import overrides
    from top_items.connections import s3_client, warehouse_connection
    from top_items.simulate import last_mile

    s3 = s3_client()
    stores = last_mile.shown(s3)
    if len(stores) < 3:
        print("the retailer app holds no handoff of three stores yet: run a day first")
        return 1
    with warehouse_connection() as conn:
        markets = dict(conn.execute("select store_id, market_id from marts.dim_stores where feed_date = "
                                    "(select max(feed_date) from marts.dim_stores)").fetchall())
        for override in last_mile.demo_overrides(stores, markets, args.date):
            overrides.add(conn, override)
            print(f"account manager {override.owner} adds override {override.override_id}: {override.rule} "
                  f"{override.sku_id} for {override.scope} until {override.expires} ({override.reason})")
    items = last_mile.demo_feedback(stores, markets)
    key = last_mile.write_feedback(s3, args.date, items)
    for store, sku, reason in items:
        print(f"retailer {store} tells the app: {sku} in my list is {reason} -> s3://{settings.RETAILER_APP_BUCKET}/"
              f"{key}")
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
    from top_items.registry import consumer, impact

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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m top_items", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    world = sub.add_parser("world", help="start or stop the simulated world (warehouse, S3, mocks)")
    world.add_argument("action", choices=["up", "down", "compose-env"])
    world.add_argument("--out", default="/state/world.env", help="compose-env: where to write the env file")
    world.add_argument("--name", default=WORLD_NAME,
                       help="folder of this world's state (and <name>.env); make demo uses its own, .world-demo")
    world.add_argument("--fresh", action="store_true", help="up: start from empty state (drops an earlier up's data)")
    world.add_argument("--warehouse-uri", help="use this Postgres instead of the embedded one (or set WAREHOUSE_URI)")
    world.set_defaults(func=_world)

    sim = sub.add_parser("simulate", help="write day D's feeds and reference snapshots to s3://landing/")
    sim.add_argument("--date", required=True, help="feed date, YYYY-MM-DD")
    sim.add_argument("--seed", type=int, default=42)
    sim.add_argument("--markets", type=int, default=4)
    sim.add_argument("--stores", type=int, default=40)
    sim.add_argument("--skus", type=int, default=300)
    sim.add_argument("--days", type=int, default=90, help="days of order history")
    sim.add_argument("--bad-row-rate", type=float, default=0.0, help="share of feed rows broken on purpose")
    sim.add_argument("--missing-feeds", type=int, default=0, help="stores whose feed does not arrive")
    sim.set_defaults(func=_simulate)

    buckets = sub.add_parser("buckets", help="create the landing and retailer-app buckets if missing")
    buckets.set_defaults(func=_buckets)

    database = sub.add_parser("database", help="create a database on the warehouse's server if missing")
    database.add_argument("name")
    database.set_defaults(func=_database)

    summary = sub.add_parser("summary", help="print the run summary of a feed date")
    summary.add_argument("--date", required=True)
    summary.set_defaults(func=_summary)

    latest = sub.add_parser("latest", help="read the retailer app's latest handoff from S3")
    latest.add_argument("--stores", type=int, default=5, help="how many stores to show")
    latest.set_defaults(func=_latest)

    rec = sub.add_parser("reconcile", help="read a consumer's destination back and repair drift from its export")
    rec.add_argument("consumer", help="a consumer of include/contracts/consumers.yml")
    rec.add_argument("--dry-run", action="store_true", help="list the drift, repair nothing")
    rec.add_argument("--run-id", default="cli", help="recorded in ops.sync_runs.run_id")
    rec.set_defaults(func=_reconcile)

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

    last = sub.add_parser("last-mile", help="simulated stakeholders: two overrides and one retailer's feedback on D")
    last.add_argument("--date", required=True, help="the day they act on (the feedback's feed_date)")
    last.set_defaults(func=_last_mile)

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
                     help="the baseline: what is published in marts/exports for D (the only one; see README)")
    pre.add_argument("--sql-dir", default=str(settings.SQL_DIR), help="the model files to preview (include/sql)")
    pre.add_argument("--sample", type=int, default=3, help="records shown per consumer and kind of change")
    pre.set_defaults(func=_preview)
    impact = sub.add_parser("impact", help="who breaks if this table changes?")
    impact.add_argument("table", help="e.g. raw.inventory_feed or marts.dim_skus")
    impact.set_defaults(func=_impact)
    lineage = sub.add_parser("lineage", help="each job the lineage receiver knows: its last state, reads and writes")
    lineage.set_defaults(func=_lineage)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    args = parser().parse_args(argv)
    return args.func(args)
