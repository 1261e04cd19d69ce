"""A whole simulated day through every task the DAG runs, in its order, to every consumer's push, timed per step.

The steps call the same functions the DAG's tasks call (plugins/top_items/tasks.py); only Airflow's own scheduling
is left out (its fixed cost is measured apart, in overhead.py). After the day, every consumer is pushed again: with
nothing to push, that must make no API call at all.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from top_items import registry

log = logging.getLogger(__name__)

FEED_DATE = "2026-11-25"
RUN_ID = "bench"


def reset(world, conn, *, notifications: bool) -> None:
    """A clean warehouse and empty destinations, so each day size starts from nothing; the landing bucket's
    notifications on, to an empty queue, or off. Off where the tasks are called with no watcher to read the queue:
    moto counts its whole queue on every send, so an unread queue makes each put slower."""
    from sandbox.mocks.control import MockControl
    from sandbox.world import landing_events, stack
    from sandbox.world.stack import empty_warehouse

    s3 = stack.s3_client(world)
    if notifications:
        sqs = stack.sqs_client(world)
        landing_events.ensure(s3, sqs)
        landing_events.empty(sqs, world.s3_endpoint)
    else:
        landing_events.silence(s3)
    for conn_id in (registry.consumer("salesforce").connection, registry.consumer("crm").connection):
        MockControl.from_connection(world.services[conn_id]).reset()
    empty_warehouse(conn)


def bulk_jobs(world) -> int:
    from sandbox.mocks.control import MockControl

    requests = MockControl.from_connection(world.services[registry.consumer("salesforce").connection]).requests()
    return sum(1 for r in requests if r["method"] == "POST" and r["path"].rstrip("/").endswith("/jobs/ingest"))


def whole_day(world, conn, s3, *, stores: int, skus: int, days: int) -> dict:
    from sandbox.simulate.catalog import WorldSpec
    from sandbox.simulate.publish import write_day
    from top_items import tasks
    from top_items.quality.contracts import EXPORT_GATE_PREFIX
    from top_items.registry import consumers
    from top_items.transform.models import discover

    log.info("bench: a whole day at %d stores", stores)
    reset(world, conn, notifications=False)  # the tasks are called here, with no watcher
    started = time.monotonic()
    spec = WorldSpec(stores=stores, skus=skus, days=days, markets=8, bad_row_rate=0.001)
    written = write_day(s3, spec, date.fromisoformat(FEED_DATE))
    simulate_seconds = round(time.monotonic() - started, 1)
    steps: dict[str, float] = {}
    facts: dict[str, object] = {}

    def step(name: str, fn):
        began = time.monotonic()
        value = fn()
        steps[name] = round(steps.get(name, 0.0) + time.monotonic() - began, 2)
        return value

    step("load_reference_snapshots", lambda: tasks.load_reference_snapshots(FEED_DATE, RUN_ID))
    feed = step("ingest_inventory_feeds", lambda: tasks.ingest_inventory_feeds(FEED_DATE, RUN_ID))
    step("ingest_retailer_feedback", lambda: tasks.ingest_retailer_feedback(FEED_DATE, RUN_ID))
    step("gate_raw", lambda: tasks.quality_gate("raw", FEED_DATE, RUN_ID))
    models = discover()
    for model in models:
        if model.layer != "exports":
            step("transform (staging, marts)", lambda m=model: tasks.build_model(m.qualified_name, FEED_DATE, RUN_ID))
    step("gate_marts", lambda: tasks.quality_gate("marts", FEED_DATE, RUN_ID))
    for model in models:
        if model.layer == "exports":
            step("transform (exports)", lambda m=model: tasks.build_model(m.qualified_name, FEED_DATE, RUN_ID))
    gates = {EXPORT_GATE_PREFIX + name: True for name in consumers()}
    for gate in gates:
        step("gate_exports", lambda g=gate: tasks.quality_gate(g, FEED_DATE, RUN_ID))
    step("publish", lambda: tasks.publish(FEED_DATE, RUN_ID, {"marts": True, **gates}))
    pushes = {name: step(f"push_{name}", lambda n=name: tasks.push_to_consumer(n, FEED_DATE, RUN_ID))
              for name in consumers()}
    facts["salesforce_bulk_jobs"] = bulk_jobs(world)
    facts["salesforce_bulk_threshold"] = consumers()["salesforce"].bulk_threshold
    step("notify_override_owners", lambda: tasks.notify_override_owners(FEED_DATE, RUN_ID))
    step("run_summary", lambda: tasks.run_summary(FEED_DATE, RUN_ID, {}))
    again = {name: tasks.push_to_consumer(name, FEED_DATE, f"{RUN_ID}-again") for name in consumers()}
    facts["next_day"] = next_day(conn, s3, spec)
    return {
        "stores": stores, "skus": skus, "order_history_days": days, "feed_files": written.feed_files,
        "feed_rows": feed["rows_in"], "simulate_seconds": simulate_seconds, "seconds": steps,
        "total_seconds": round(sum(steps.values()), 1),
        "records_pushed": {name: push["records_pushed"] for name, push in pushes.items()},
        "api_calls": {name: push["api_calls"] for name, push in pushes.items()},
        "api_calls_with_nothing_to_push": {name: push["api_calls"] for name, push in again.items()},
        **facts,
    }


# The keyed drift's own queries (include/sql/ops/drift.sql), each timed alone on a day that has a good day before
# it: what the checks that compare every input key by key cost.
DRIFT_QUERIES = {
    "feed keys and near-replays (ops.dq_drift)": "select count(*) from ops.dq_drift('raw.inventory_feed', %(day)s)",
    "near-replay stores (ops.dq_near_replays)": "select count(*) from ops.dq_near_replays(%(day)s, 95)",
    "another store's stock (ops.dq_store_twins)": "select count(*) from ops.dq_store_twins(%(day)s)",
    "collapsed stock (ops.dq_store_collapsed_skus)": "select count(*) from ops.dq_store_collapsed_skus(%(day)s)",
    "quarantined lines (ops.dq_store_quarantined)": "select count(*) from ops.dq_store_quarantined(%(day)s)",
    "stores snapshot (ops.dq_drift)": "select count(*) from ops.dq_drift('raw.stores', %(day)s)",
    "skus snapshot (ops.dq_drift)": "select count(*) from ops.dq_drift('raw.skus', %(day)s)",
    "upstream drift (ops.dq_upstream_drift)": "select count(*) from ops.dq_upstream_drift(%(day)s)",
}


def next_day(conn, s3, spec) -> dict:
    """The day after FEED_DATE, loaded and gated: the raw gate with a good day behind it, and each keyed drift
    query's share of it."""
    from sandbox.simulate.publish import write_day
    from top_items import tasks

    day = (date.fromisoformat(FEED_DATE) + timedelta(days=1)).isoformat()
    write_day(s3, spec, date.fromisoformat(day))
    tasks.load_reference_snapshots(day, f"{RUN_ID}-next")
    tasks.ingest_inventory_feeds(day, f"{RUN_ID}-next")
    began = time.monotonic()
    tasks.quality_gate("raw", day, f"{RUN_ID}-next")
    gate_seconds = round(time.monotonic() - began, 2)
    drift = {}
    for name, sql in DRIFT_QUERIES.items():
        began = time.monotonic()
        conn.execute(sql, {"day": day}).fetchone()
        drift[name] = round(time.monotonic() - began, 2)
    return {"gate_raw_seconds": gate_seconds, "keyed_drift_seconds": drift}


def growth(small: dict, large: dict) -> dict[str, float]:
    """Per step: how much faster than its input (stores) it grew from the small day to the large one (1.0: as
    fast; below: slower, its fixed cost showing)."""
    scale = large["stores"] / small["stores"]
    return {name: round(large["seconds"][name] / max(small["seconds"][name], 0.01) / scale, 2)
            for name in large["seconds"]}
