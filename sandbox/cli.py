"""``python -m sandbox``: the simulated world around the product, and read-outs that only make sense in it.

``world up`` / ``down`` start and stop the warehouse, moto's S3 server and the mocks; ``simulate`` writes a day of
the source systems' files; ``last-mile`` plays the account managers and a retailer; ``latest`` reads the handoff
as the retailer app would. The operator's commands are ``python -m top_items``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from datetime import date
from pathlib import Path

from top_items import settings
from top_items.cli import run

WORLD_NAME = ".world"  # the world's state lives in <repo>/<name>/ and its env file is <repo>/<name>.env


def _world(args) -> int:
    from sandbox.world import stack

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
    from sandbox.simulate.catalog import WorldSpec, knobs
    from sandbox.simulate.publish import write_day
    from top_items.connections import s3_client

    spec = WorldSpec(**{knob.name: getattr(args, knob.name) for knob in knobs()})
    written = write_day(s3_client(), spec, date.fromisoformat(args.date))
    print(f"simulated {written.feed_date}: {written.feed_files} feed files, {written.files - written.feed_files} "
          f"reference snapshots, {written.bytes / 1e6:.1f} MB -> s3://{settings.LANDING_BUCKET}/")
    return 0


def _arrive(args) -> int:
    """Land a day over time, as producers do: watch it arrive in ``make ui``'s asset view."""
    from sandbox.simulate.arrival import arrive
    from sandbox.simulate.catalog import WorldSpec, knobs
    from top_items.connections import s3_client

    spec = WorldSpec(**{knob.name: getattr(args, knob.name) for knob in knobs()})
    s3 = s3_client()
    arrival = arrive(s3, spec, date.fromisoformat(args.date), over_seconds=args.over, stragglers=args.stragglers,
                     held_back=args.held_back)
    print(f"landed {arrival.feed_date} over {args.over:.0f}s: {len(arrival.landed)} objects")
    if arrival.held_back:
        input(f"{len(arrival.held_back)} held back; press Enter to land them late: ")
        print(f"landed late: {', '.join(arrival.land_held_back(s3))}")
    return 0


def _buckets(args) -> int:
    from airflow.providers.amazon.aws.hooks.sqs import SqsHook

    from sandbox.world.stack import BUCKETS, create_buckets
    from top_items.connections import s3_client

    create_buckets(s3_client(), SqsHook(aws_conn_id=settings.AWS_CONN_ID).get_conn())
    print(f"buckets ready: {', '.join(BUCKETS)}, with {settings.LANDING_BUCKET}'s notifications to "
          f"{settings.LANDING_QUEUE}")
    return 0


def _database(args) -> int:
    """Create a database beside the warehouse's (docker compose keeps Airflow's metadata there)."""
    from urllib.parse import urlsplit, urlunsplit

    from sandbox.world.warehouse import ensure_database, normalize_uri

    parts = urlsplit(normalize_uri(os.environ["AIRFLOW_CONN_WAREHOUSE"]))
    ensure_database(urlunsplit(parts._replace(path="/postgres")), args.name)
    print(f"database {args.name} ready")
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


def _last_mile(args) -> int:
    """The demo's stakeholders: account managers add two overrides, a retailer sends feedback through the app."""
    from sandbox.simulate import last_mile
    from top_items import overrides
    from top_items.connections import s3_client, warehouse_connection

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


def _knob_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per simulation knob (WorldSpec), with its default and help."""
    from sandbox.simulate.catalog import knobs

    for knob in knobs():
        parser.add_argument(f"--{knob.name.replace('_', '-')}", type={"int": int, "float": float}[str(knob.type)],
                            default=knob.default, help=f"{knob.metadata['help']} (default {knob.default})")


def parser() -> argparse.ArgumentParser:

    p = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
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
    _knob_arguments(sim)
    sim.set_defaults(func=_simulate)

    arr = sub.add_parser("arrive", help="land day D over time: the sync tool first, the stores spread out, "
                                        "stragglers, some held back until you press Enter")
    arr.add_argument("--date", required=True, help="feed date, YYYY-MM-DD")
    arr.add_argument("--over", type=float, default=60, help="seconds the day takes to land (default 60)")
    arr.add_argument("--stragglers", type=int, default=2, help="stores that land after a pause (default 2)")
    arr.add_argument("--held-back", type=int, default=0, help="stores landed only when you press Enter (default 0)")
    _knob_arguments(arr)
    arr.set_defaults(func=_arrive)

    buckets = sub.add_parser("buckets", help="create the buckets and the landing queue if missing")
    buckets.set_defaults(func=_buckets)

    database = sub.add_parser("database", help="create a database on the warehouse's server if missing")
    database.add_argument("name")
    database.set_defaults(func=_database)

    latest = sub.add_parser("latest", help="read the retailer app's latest handoff from S3, as the app would")
    latest.add_argument("--stores", type=int, default=5, help="how many stores to show")
    latest.set_defaults(func=_latest)

    last = sub.add_parser("last-mile", help="simulated stakeholders: two overrides and one retailer's feedback on D")
    last.add_argument("--date", required=True, help="the day they act on (the feedback's feed_date)")
    last.set_defaults(func=_last_mile)
    return p


def main(argv: list[str] | None = None) -> int:
    return run(parser(), argv)
