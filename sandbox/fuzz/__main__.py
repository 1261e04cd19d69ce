"""``python -m sandbox.fuzz`` (``make fuzz``): every operator at every intensity, random pairs, and normal days.

It starts a world of its own (``.world-fuzz/``), prints the table per operator and intensity and the normal days'
false alarms, writes everything to ``sandbox/fuzz/results/<date>-seed<seed>.json`` and says how long it took.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date, timedelta

from sandbox.simulate.catalog import EPOCH, WorldSpec
from top_items import settings

WORLD = settings.REPO_ROOT / ".world-fuzz"
RESULTS_DIR = settings.REPO_ROOT / "sandbox" / "fuzz" / "results"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sandbox.fuzz", description=__doc__)
    p.add_argument("--seed", type=int, default=1, help="the mutants' seed: tune on one, report another")
    p.add_argument("--intensities", default="0.1,0.5,1", help="shares of the targets an operator breaks")
    p.add_argument("--pairs", type=int, default=6, help="random pairs of operators, after each one alone")
    p.add_argument("--operators", default="", help="only these operators (comma-separated; default every one)")
    p.add_argument("--normal-days", type=int, default=30, help="clean days run one after another (0: none)")
    p.add_argument("--stores", type=int, default=12)
    p.add_argument("--skus", type=int, default=120)
    p.add_argument("--day", default="2026-11-25", help="day D, the day the faults land on")
    return p.parse_args(argv)


def world_spec(args) -> WorldSpec:
    """The fuzzer's world: stores open and close from two months before the normal days start, at rates high
    enough that a small world sees it happen (about 2 openings and a closure in 30 days of 12 stores), so that
    normal days hold the events a real store master has."""
    first_normal = date.fromisoformat(args.day) - timedelta(days=max(args.normal_days, 1))
    return WorldSpec(stores=args.stores, skus=args.skus, days=90, store_closures_per_year=0.5,
                     store_openings_per_year=1.0, store_events_lead_days=(EPOCH - first_normal).days + 60)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for chatty in ("airflow", "soda", "top_items", "botocore", "urllib3", "openlineage"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    from sandbox.world import stack

    started = time.monotonic()
    shutil.rmtree(WORLD, ignore_errors=True)
    world = stack.up(WORLD, warehouse_uri=os.environ.get("WAREHOUSE_URI") or None)
    os.environ.update(world.environment(airflow_home=WORLD / "airflow"))
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    try:
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
        from sandbox.fuzz import report
        from sandbox.fuzz.run import Fuzzer, mutants

        fuzzer = Fuzzer(world, world_spec(args), args.day, progress=lambda line: print(line, flush=True))
        chosen = [m for m in mutants(args.seed, tuple(map(float, args.intensities.split(","))), args.pairs)
                  if not args.operators or all(name in args.operators.split(",") for name, _ in m.faults)]
        verdicts = [fuzzer.judge(mutant) for mutant in chosen]
        days = fuzzer.normal_days(args.normal_days) if args.normal_days else []
    finally:
        stack.down(WORLD)
        shutil.rmtree(WORLD, ignore_errors=True)
    seconds = round(time.monotonic() - started)
    print(report.table(verdicts))
    if days:
        print(report.normal_days(days))
    print(f"fuzz: {len(verdicts)} mutants and {len(days)} normal days in {seconds} s (seed {args.seed})")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{date.today().isoformat()}-seed{args.seed}.json"
    path.write_text(json.dumps({"arguments": vars(args), "seconds": seconds, "tally": report.tally(verdicts),
                                "verdicts": [asdict(v) for v in verdicts], "normal_days": days}, indent=2,
                               default=lambda value: sorted(value) if isinstance(value, frozenset) else str(value)))
    return 1 if any(v.outcome == "missed" for v in verdicts) or any(d[2] or d[1] != "success" for d in days) else 0


if __name__ == "__main__":
    raise SystemExit(main())
