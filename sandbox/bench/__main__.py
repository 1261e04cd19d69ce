"""``make bench``: the ingest fast path and a whole day, measured as ratios in one run, against their targets.

Both sides of every ratio run in the same process, in turn (A, B, A, B ...), and the medians are compared. The
table on stdout says, per target, what was measured and whether it was met; everything measured is written to
bench/results/<date>.json. The bench's world (.world-bench/) is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import psutil

from top_items import settings

log = logging.getLogger("sandbox.bench")
WORLD = settings.REPO_ROOT / ".world-bench"
RESULTS_DIR = settings.REPO_ROOT / "bench" / "results"
QUICK = {"rows": [20_000, 40_000, 80_000], "files": [50], "rows_per_file": 50, "depths": [1, 4], "stores": [40, 80],
         "skus": 300, "days": 10, "huge_line_mb": 4, "rounds": 1}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[250_000, 1_000_000, 5_000_000],
                        help="rows of the one-file loads against psql \\copy (default: %(default)s)")
    parser.add_argument("--files", type=int, nargs="+", default=[1000, 5000],
                        help="per-store files of the loads against the fetch floor (default: %(default)s)")
    parser.add_argument("--rows-per-file", type=int, default=350)
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 4, 16], help="objects fetched ahead")
    parser.add_argument("--stores", type=int, nargs=2, default=[2000, 10_000], help="the two whole days' stores")
    parser.add_argument("--latency-stores", type=int, nargs="+",
                        help="stores of the latency case's days (default: --stores)")
    parser.add_argument("--skus", type=int, default=1500)
    parser.add_argument("--days", type=int, default=30, help="days of order history of the whole days")
    parser.add_argument("--huge-line-mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds per ratio (the median is compared)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round: checks that the bench runs")
    parser.add_argument("--skip", nargs="*", default=[], choices=["copy", "floor", "hostile", "memory", "day",
                                                                  "latency", "overhead"])
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name.replace("-", "_"), value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from sandbox.bench import day, ingest, latency, overhead
    from sandbox.world import stack

    shutil.rmtree(WORLD, ignore_errors=True)
    world = stack.up(WORLD, warehouse_uri=os.environ.get("WAREHOUSE_URI") or None, with_mocks=True)
    env = {**os.environ, **world.environment(airflow_home=WORLD / "airflow")}
    os.environ.update(env)
    results: dict = {"date": date.today().isoformat(), "arguments": vars(args),
                     "machine": {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30)}}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{results['date']}.json"

    def keep() -> None:
        """What is measured so far, written after each case: a bench stopped halfway keeps it."""
        path.write_text(json.dumps(results, indent=2))

    try:
        from top_items.connections import s3_client, warehouse_connection
        from top_items.ingest.schema import ensure_schemas

        conn, s3 = warehouse_connection(), s3_client()
        conn.autocommit = True
        ensure_schemas(conn)
        with tempfile.TemporaryDirectory(prefix="bench-", dir=WORLD) as workdir:
            if "copy" not in args.skip:
                results["loader_vs_copy"] = ingest.loader_vs_copy(conn, s3, world.warehouse_uri, args.rows,
                                                                  args.rounds, Path(workdir))
                keep()
        if "hostile" not in args.skip:
            results["hostile"] = ingest.hostile_share(conn, s3, args.rows[len(args.rows) // 2], 0.01, args.rounds)
            keep()
        if "memory" not in args.skip:
            results["huge_line"] = ingest.one_huge_line(conn, s3, args.huge_line_mb)
            keep()
        if "floor" not in args.skip:
            results["fetch_floor"] = ingest.against_fetch_floor(conn, s3, args.files, args.rows_per_file, args.depths,
                                                                args.rounds)
            keep()
        if "day" not in args.skip:
            small, large = (day.whole_day(world, conn, s3, stores=n, skus=args.skus, days=args.days)
                            for n in args.stores)
            results["day"] = {"small": small, "large": large, "growth_vs_input": day.growth(small, large)}
            keep()
        if "latency" not in args.skip:
            results["latency"] = []
            for n in args.latency_stores or args.stores:
                results["latency"].append(latency.day_latency(world, conn, s3, WORLD / "airflow-services", stores=n,
                                                              skus=args.skus, days_of_history=args.days))
                keep()
        if "overhead" not in args.skip:
            day.reset(world, conn, notifications=False)  # a run tested in-process, with no watcher
            results["airflow"] = {**overhead.parse_and_start(env),
                                  "tiny_run": overhead.tiny_run(env, "2026-11-26")}
        conn.close()
    finally:
        stack.down(WORLD)
        shutil.rmtree(WORLD, ignore_errors=True)
    keep()
    from sandbox.bench.report import report

    print(report(results))
    print(f"(everything measured: {path.relative_to(settings.REPO_ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
