"""The bench's table: per target, what was measured, the bound, and whether it was met."""

from __future__ import annotations

LINEAR = (0.85, 1.15)  # time per row against the middle size's
RERUN_MAX = 1.10
SHARE_OF_COPY_MIN, SHARE_OF_COPY_AIM = 0.5, 0.8
SHARE_OF_FLOOR_MIN = 0.7
RSS_FLAT_MB = 32
BACKEND_MAX_MB = 1000
GROWTH_MAX = 1.15
LATENCY_MAX_SECONDS, LATENCY_STORES = 60, 10_000  # last file landed -> every consumer pushed, at this many stores


def targets(results: dict) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    loads = results.get("loader_vs_copy", [])
    for r in loads:
        rows.append((f"loader / psql \\copy, {r['rows']:,} rows in 1 file",
                     f"{r['share_of_copy']:.2f}x ({r['loader_median']}s vs {r['copy_median']}s)",
                     f">= {SHARE_OF_COPY_MIN}x (aim {SHARE_OF_COPY_AIM}x)", r["share_of_copy"] >= SHARE_OF_COPY_MIN))
    for r in loads:
        rows.append((f"time per row at {r['rows']:,} / at the middle size", f"{r['per_row_vs_middle']:.2f}",
                     f"{LINEAR[0]}..{LINEAR[1]}", LINEAR[0] <= r["per_row_vs_middle"] <= LINEAR[1]))
    for r in loads:
        rows.append((f"last re-run / first run, {r['rows']:,} rows", f"{r['rerun_vs_first']:.2f}",
                     f"<= {RERUN_MAX}", r["rerun_vs_first"] <= RERUN_MAX))
    if loads:
        smallest = loads[0]["loader_rss_growth_mb"]
        for r in loads:
            rows.append((f"loader RSS growth, {r['rows']:,} rows", f"{r['loader_rss_growth_mb']} MB",
                         f"<= {smallest} + {RSS_FLAT_MB} MB", r["loader_rss_growth_mb"] <= smallest + RSS_FLAT_MB))
    if "huge_line" in results:
        h = results["huge_line"]
        rows.append((f"database backend peak RSS, one {h['line_megabytes']} MB line",
                     f"{h['backend_rss_peak_mb']} MB", f"< {BACKEND_MAX_MB} MB",
                     h["backend_rss_peak_mb"] < BACKEND_MAX_MB))
        rows.append((f"loader RSS growth, one {h['line_megabytes']} MB line", f"{h['loader_rss_growth_mb']} MB",
                     f"<= {RSS_FLAT_MB} MB", h["loader_rss_growth_mb"] <= RSS_FLAT_MB))
    if "hostile" in results:
        h = results["hostile"]
        rows.append((f"{h['hostile_share']:.0%} hostile rows / clean, {h['rows']:,} rows",
                     f"{h['hostile_vs_clean']:.2f} ({h['quarantined']:,} quarantined)", "reported", None))
    for f in results.get("fetch_floor", []):
        for depth, loader in f["loader"].items():
            rows.append((f"loader / fetch floor, {f['files']:,} files, {depth} in flight",
                         f"{loader['share_of_floor']:.2f}x", f">= {SHARE_OF_FLOOR_MIN}x",
                         loader["share_of_floor"] >= SHARE_OF_FLOOR_MIN))
        shares = {int(depth): loader["share_of_floor"] for depth, loader in f["loader"].items()}
        if len(shares) > 1:
            best = max(shares, key=shares.get)
            rows.append((f"fetch concurrency, {f['files']:,} files: best ({best} in flight) / 1 in flight",
                         f"{shares[best] / shares[min(shares)]:.2f}x", "> 1.0x", shares[best] > shares[min(shares)]))
    if "day" in results:
        d = results["day"]
        small, large = d["small"]["stores"], d["large"]["stores"]
        for step, growth in d["growth_vs_input"].items():
            rows.append((f"day {small:,} -> {large:,} stores: {step}, growth / input growth", f"{growth:.2f}",
                         f"<= {GROWTH_MAX}", growth <= GROWTH_MAX))
        for size in ("small", "large"):
            run, bulk = d[size], d[size]["records_pushed"]["salesforce"] >= d[size]["salesforce_bulk_threshold"]
            rows.append((f"Salesforce Bulk 2.0 jobs, day of {run['stores']:,} stores "
                         f"({run['records_pushed']['salesforce']:,} records)", str(run["salesforce_bulk_jobs"]),
                         "1" if bulk else "0 (below bulk_threshold)", run["salesforce_bulk_jobs"] == int(bulk)))
        calls = {**d["small"]["api_calls_with_nothing_to_push"], **d["large"]["api_calls_with_nothing_to_push"]}
        rows.append(("API calls of a push with nothing to push", str(calls), "0 each",
                     not any(calls.values())))
    for r in results.get("latency", []):
        judged = r["stores"] >= LATENCY_STORES
        rows.append((f"last landing -> every consumer pushed, {r['stores']:,} stores (scheduler, triggerer)",
                     f"{r['total_seconds']}s ({r['task_seconds']}s tasks, {r['scheduling_seconds']}s Airflow)",
                     f"<= {LATENCY_MAX_SECONDS}s" if judged else "reported",
                     (r["total_seconds"] <= LATENCY_MAX_SECONDS and r["pipeline_state"] == "success") if judged
                     else None if r["pipeline_state"] == "success" else False))
        rows.append((f"watcher's delay, last object landed -> its asset event, {r['stores']:,} stores",
                     f"{r['watcher_delay_seconds']}s ({r['watcher_events']} events, {r['landing_runs']} runs)",
                     "reported", None))
    if "airflow" in results:
        a = results["airflow"]
        rows.append(("heavy modules imported to parse the DAG file", ", ".join(a["heavy_modules_at_parse"]) or "none",
                     "none", not a["heavy_modules_at_parse"]))
        rows.append(("DAG file parse (after Airflow's own imports)", f"{a['dag_file_seconds']}s", "reported", None))
        rows += [(f"task start-up: {task} (imports, hooks)", f"{s}s", "reported", None)
                 for task, s in a["task_start_seconds"].items()]
        t = a["tiny_run"]
        rows.append((f"airflow dags test, a day of {t['stores']} stores (fixed cost of a run)", f"{t['seconds']}s",
                     "reported", None if t["succeeded"] else False))
    return rows


def report(results: dict) -> str:
    rows = targets(results)
    width = max(len(r[0]) for r in rows) if rows else 10
    out = [f"{'target':<{width}}  {'measured':<34} {'bound':<26} met"]
    for name, measured, bound, met in rows:
        out.append(f"{name:<{width}}  {measured:<34} {bound:<26} {'-' if met is None else 'yes' if met else 'NO'}")
    for r in results.get("loader_vs_copy", []):
        out.append(f"loader steps at {r['rows']:,} rows (median run): "
                   + ", ".join(f"{name} {s:.2f}s" for name, s in r["steps_of_median_run"].items()))
    if "day" in results:
        d = results["day"]
        out.append(f"whole day, seconds per step ({d['small']['stores']:,} / {d['large']['stores']:,} stores; "
                   f"{d['small']['feed_rows']:,} / {d['large']['feed_rows']:,} feed rows):")
        for step, s in d["large"]["seconds"].items():
            out.append(f"  {step:<32} {d['small']['seconds'].get(step, 0):>8}s {s:>8}s")
        out.append(f"  {'total':<32} {d['small']['total_seconds']:>8}s {d['large']['total_seconds']:>8}s")
        small, large = d["small"].get("next_day"), d["large"].get("next_day")
        if small and large:
            out.append("the next day's raw gate, with a good day behind it, and the keyed drift queries in it:")
            out.append(f"  {'gate_raw':<44} {small['gate_raw_seconds']:>8}s {large['gate_raw_seconds']:>8}s")
            for name, s in large["keyed_drift_seconds"].items():
                out.append(f"  {name:<44} {small['keyed_drift_seconds'][name]:>8}s {s:>8}s")
    for r in results.get("latency", []):
        out.append(f"after the last landing at {r['stores']:,} stores ({r['objects']:,} objects put in "
                   f"{r['putting_seconds']}s), the longest tasks: "
                   + ", ".join(f"{task} {s}s" for task, s in r["slowest_tasks"].items()))
    return "\n".join(out)
