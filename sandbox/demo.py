"""``make demo``'s two days under Airflow's own scheduler, dag-processor, triggerer and API server: nothing runs a
day but its data landing, and the landing side's clock.

- Day D-1 lands whole in the night after it: complete, it runs at once.
- The account managers and a retailer act on what D-1 showed (``python -m sandbox last-mile``).
- The landing side's clock jumps to the night after D, a little before D's cutoff. D lands over time: the reference
  sync, the stores spread out, two stragglers; one store never sends a file and one is held back. Not complete, so
  nothing runs, until the clock's tick at the cutoff (the cron's tick, brought forward) finds enough stores.
- The held-back store's file then lands within the late window: D runs again, and that store's list is read back
  from every destination.

Time is compressed: the cutoff is ``LEAD_SECONDS`` away when D starts to land. Every step is printed; the services'
logs stay in ``$AIRFLOW_HOME``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta

from sandbox.simulate.arrival import arrive
from sandbox.simulate.catalog import WorldSpec
from sandbox.world import airflow_services, stack
from top_items import rules, settings
from top_items.landing import clock, days

PIPELINE, LANDING, CLOCK = settings.PIPELINE_DAG_ID, settings.LANDING_DAG_ID, settings.LANDING_CLOCK_DAG_ID
LEAD_SECONDS = 45  # the landing side's clock reads this long before D's cutoff when D starts to land
SPREAD_SECONDS = 20  # D's files land over this long
RUN_TIMEOUT = 600


def say(line: str) -> None:
    print(line, flush=True)


def wait_for_pipeline(services, count: int) -> None:
    began = time.monotonic()
    run = services.wait_for_runs(PIPELINE, count, RUN_TIMEOUT)[-1]
    say(f"    pipeline run {count} on partition {run.partition_key}: {run.state} ({time.monotonic() - began:.0f}s)")
    if run.state != "success":
        raise SystemExit(f"the pipeline run of {run.partition_key} {run.state}; its task logs are under "
                         f"{services.home}/logs")


def announcements(conn, day: str) -> list[str]:
    rows = conn.execute("select event, reason, landed, expected, stores from ops.day_announcements where day = %s "
                        "order by announced_at", (day,)).fetchall()
    return [f"{event} ({reason}): {landed} of {expected} stores landed"
            + (f"; {'missing' if event == days.READY else 'late'}: {', '.join(stores)}" if stores else "")
            for event, reason, landed, expected, stores in rows]


def landed(conn, day: str) -> int:
    return conn.execute("select count(*) from ops.landings where day = %s", (day,)).fetchone()[0]


def read_back(conn, day: str, store: str) -> None:
    """The late store's first item, read back from every destination through its own client."""
    row = conn.execute("select sku_id from marts.store_missing_top_items where feed_date = %s and store_id = %s "
                       "order by store_rank limit 1", (day, store)).fetchone()
    if row is None:
        raise SystemExit(f"{store} has no list on {day} after its late file")
    subprocess.run([sys.executable, "-m", "top_items", "destinations", "--store", store, "--sku", row[0]],
                   check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--date", required=True, help="feed date D; D-1 runs first")
    parser.add_argument("--world", default=".world-demo", help="the world's folder (python -m sandbox world up)")
    args = parser.parse_args(argv)
    from top_items.connections import s3_client, warehouse_connection

    d = date.fromisoformat(args.date)
    prev = d - timedelta(days=1)
    world = stack.load(settings.REPO_ROOT / args.world)
    home = settings.REPO_ROOT / os.environ["AIRFLOW_HOME"]
    s3 = s3_client()
    say("--- Airflow's scheduler, dag-processor, triggerer and API server start (logs in $AIRFLOW_HOME/*.log)")
    with airflow_services.running(world, home, (PIPELINE, LANDING, CLOCK), database="airflow_demo", parallelism=4,
                                  triggerer=True) as services, warehouse_connection() as conn:
        conn.autocommit = True
        night = days.day_end(prev.isoformat()) + timedelta(hours=1)
        value = clock.setting(night)
        services.airflow("variables", "set", settings.LANDING_CLOCK_VARIABLE, value)
        services.wait_for_watcher()
        say(f"--- {prev}: the clock reads {night:%Y-%m-%d %H:%M} UTC; the sync tool and every store land their "
            "files; the landing queue's watcher sees each one")
        arrive(s3, WorldSpec(bad_row_rate=0.005), prev, over_seconds=5, stragglers=0)
        wait_for_pipeline(services, 1)  # D-1 is complete
        for line in announcements(conn, prev.isoformat()):
            say(f"    {prev} {line}")

        say(f"--- the last mile on {d}: account managers add overrides, a retailer complains through the app")
        subprocess.run([sys.executable, "-m", "sandbox", "last-mile", "--date", d.isoformat()], check=True)

        cutoff = days.day_end(d.isoformat()) + timedelta(hours=rules.variables()["landing_cutoff_hours"])
        value = clock.jumped(value, cutoff - timedelta(seconds=LEAD_SECONDS))
        services.airflow("variables", "set", settings.LANDING_CLOCK_VARIABLE, value)
        cutoff_passes = time.monotonic() + LEAD_SECONDS
        say(f"--- {d}: the night passes; the clock reads {LEAD_SECONDS}s before the cutoff ({cutoff:%Y-%m-%d %H:%M} "
            f"UTC). The files land over {SPREAD_SECONDS}s: the sync tool first, then the stores, two stragglers; "
            "one store sends nothing and one is held back")
        arrival = arrive(s3, WorldSpec(bad_row_rate=0.005, missing_feeds=1), d, over_seconds=SPREAD_SECONDS,
                         stragglers=2, held_back=1)
        services.until(lambda: landed(conn, d.isoformat()) == len(arrival.landed), 120,
                       "the landings were not recorded")
        say(f"    {landed(conn, d.isoformat())} objects recorded in ops.landings; the day is not complete, so no run "
            f"({len(services.runs(PIPELINE)) - 1} runs of {d})")
        time.sleep(max(0.0, cutoff_passes - time.monotonic()) + 1)
        say(f"--- the cutoff passes: the landing clock's tick (its cron, brought forward) judges {d}")
        services.airflow("dags", "trigger", CLOCK)
        wait_for_pipeline(services, 2)  # D at its cutoff
        for line in announcements(conn, d.isoformat()):
            say(f"    {d} {line}")

        [late_key] = arrival.held_back
        late_store = settings.feed_store_id(d.isoformat(), late_key)
        say(f"--- {late_store}'s file lands after the cutoff, within the late window: {d} runs again")
        arrival.land_held_back(s3)
        wait_for_pipeline(services, 3)  # D for its late file
        say(f"    {d} {announcements(conn, d.isoformat())[-1]}")
        read_back(conn, d.isoformat(), late_store)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
