"""The bench's arithmetic: A/B rounds, medians and ratios, growth against input, and the targets' verdicts."""

from __future__ import annotations

from sandbox.bench import report
from sandbox.bench.day import growth
from sandbox.bench.measure import alternate, median, ratio


def test_alternate_runs_the_sides_in_turn_each_round():
    order = []

    def side(name, took):
        return lambda: order.append(name) or took

    times = alternate({"a": side("a", 2.0), "b": side("b", 1.0)}, rounds=3)
    assert order == ["a", "b"] * 3
    assert times == {"a": [2.0] * 3, "b": [1.0] * 3}


def test_median_and_ratio():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert ratio(1.0, 4.0) == 0.25


def test_growth_is_time_growth_over_input_growth():
    small = {"stores": 2000, "seconds": {"ingest": 10.0, "gate": 2.0}}
    large = {"stores": 10000, "seconds": {"ingest": 60.0, "gate": 2.5}}
    assert growth(small, large) == {"ingest": 1.2, "gate": 0.25}


def load(rows, loader, copy, rerun=1.0, rss=5.0, per_row_vs_middle=1.0):
    return {"rows": rows, "share_of_copy": ratio(copy, loader), "loader_median": loader, "copy_median": copy,
            "per_row_vs_middle": per_row_vs_middle, "rerun_vs_first": rerun, "loader_rss_growth_mb": rss,
            "steps_of_median_run": {"split": loader / 2}}


def verdicts(results):
    return {name: met for name, _, _, met in report.targets(results)}


def test_targets_meet_and_miss_on_their_bounds():
    results = {"loader_vs_copy": [load(250_000, 1.0, 0.6), load(1_000_000, 4.0, 1.0, rerun=1.2, rss=60.0,
                                                               per_row_vs_middle=1.3)]}
    met = verdicts(results)
    assert met["loader / psql \\copy, 250,000 rows in 1 file"] is True
    assert met["loader / psql \\copy, 1,000,000 rows in 1 file"] is False
    assert met["time per row at 1,000,000 / at the middle size"] is False
    assert met["last re-run / first run, 1,000,000 rows"] is False
    assert met["loader RSS growth, 1,000,000 rows"] is False
    assert met["loader RSS growth, 250,000 rows"] is True


def test_no_api_call_and_one_bulk_job_are_targets_of_the_day():
    def day(stores, sf_records, jobs, calls):
        return {"stores": stores, "feed_rows": stores * 350, "seconds": {"ingest": 1.0}, "total_seconds": 1.0,
                "records_pushed": {"salesforce": sf_records}, "salesforce_bulk_threshold": 2000,
                "salesforce_bulk_jobs": jobs, "api_calls_with_nothing_to_push": calls}

    results = {"day": {"small": day(40, 400, 0, {"crm": 0}), "large": day(10_000, 100_000, 2, {"crm": 1}),
                       "growth_vs_input": {"ingest": 1.0}}}
    met = verdicts(results)
    assert met["Salesforce Bulk 2.0 jobs, day of 40 stores (400 records)"] is True
    assert met["Salesforce Bulk 2.0 jobs, day of 10,000 stores (100,000 records)"] is False
    assert met["API calls of a push with nothing to push"] is False
    assert "whole day, seconds per step" in report.report(results)


def test_task_time_counts_the_seconds_some_task_ran_and_airflow_gets_the_rest():
    from datetime import datetime, timedelta, timezone

    from sandbox.bench.latency import split

    t0 = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)

    def at(seconds):
        return t0 + timedelta(seconds=seconds)

    tasks = [(at(-30), at(5)), (at(10), at(20)), (at(15), at(25)), (at(40), at(50)), (at(60), at(90))]
    # after the landing: 0-5, 10-25 and 40-50 ran; 5-10, 25-40 and 50-55 were Airflow's; a task after the push
    # is not counted
    assert split(at(0), at(55), tasks) == {"total_seconds": 55.0, "task_seconds": 30.0, "scheduling_seconds": 25.0}


def test_the_latency_target_is_judged_at_ten_thousand_stores_only():
    base = {"task_seconds": 1, "scheduling_seconds": 1, "watcher_delay_seconds": 2, "watcher_events": 3,
            "landing_runs": 2, "pipeline_state": "success", "objects": 5, "putting_seconds": 1, "slowest_tasks": {}}
    rows = report.targets({"latency": [{**base, "stores": 2000, "total_seconds": 90},
                                       {**base, "stores": 10_000, "total_seconds": 61}]})
    verdicts = {name: met for name, _, _, met in rows if name.startswith("last landing")}
    assert list(verdicts.values()) == [None, False]
    rows = report.targets({"latency": [{**base, "stores": 10_000, "total_seconds": 59}]})
    assert [met for name, _, _, met in rows if name.startswith("last landing")] == [True]
