"""End to end: simulate a day, run top_items_pipeline with dag.test(), read the handoff as the retailer app would."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sandbox.simulate.catalog import WorldSpec
from sandbox.simulate.publish import write_day
from tests.support.dags import run_dag
from tests.support.destinations import Destinations

pytestmark = pytest.mark.timeout(600)

FEED_DATE = "2026-11-25"


def _run(dag_id: str, feed_date: str, conf: dict | None = None):
    return run_dag(dag_id, feed_date, conf)


def test_pipeline_publishes_what_the_retailer_app_reads(world, warehouse, s3, airflow_db):
    write_day(s3, WorldSpec(bad_row_rate=0.01, missing_feeds=1), date.fromisoformat(FEED_DATE))

    run = _run("top_items_pipeline", FEED_DATE)

    assert run.state == "success"
    app = Destinations.of(world).s3  # a plain boto3 client, as the retailer app would build it
    latest = json.loads(app.get_object(Bucket="retailer-app", Key="top-items/latest.json")["Body"].read())
    assert latest["feed_date"] == FEED_DATE
    manifest = json.loads(app.get_object(Bucket="retailer-app", Key=latest["manifest"])["Body"].read())
    assert manifest["feed_date"] == FEED_DATE and manifest["run_id"] == latest["run_id"]
    assert manifest["schema_version"] == 1
    prefix = latest["manifest"].rsplit("/", 1)[0] + "/"
    assert app.head_object(Bucket="retailer-app", Key=prefix + "_SUCCESS")
    records = []
    for part in manifest["files"]:
        body = app.get_object(Bucket="retailer-app", Key=part["key"])["Body"].read()
        import hashlib

        assert hashlib.sha256(body).hexdigest() == part["sha256"]
        lines = body.decode().splitlines()
        assert len(lines) == part["row_count"]
        records += [json.loads(line) for line in lines]
    assert len(records) == manifest["row_count"] == 39  # 40 stores, one feed missing
    expected = warehouse.execute(
        "select store_id, sku_id, store_rank from marts.store_missing_top_items where feed_date = %s "
        "order by store_id, store_rank", (FEED_DATE,)).fetchall()
    published = [(r["store_id"], item["sku_id"], item["rank"]) for r in records for item in r["items"]]
    assert sorted(published) == sorted(expected)
    assert all(r["feed_date"] == FEED_DATE for r in records)

    from top_items.summary import format_summary, gather

    text = format_summary(gather(warehouse, FEED_DATE))
    assert "Published for this day (write-audit-publish): marts.store_missing_top_items, exports." in text
    assert "stores without a valid feed (no recommendations today): " in text
    assert "quarantined by reason: " in text and "warn: raw.inventory_feed stores in the snapshot" in text


def test_one_day_by_hand_simulate_then_pipeline(world, warehouse, s3, destinations, airflow_db):
    """What "one day by hand" (docs/running.md) does: the outside world's DAG, then the control plane's, on a day
    with the demo's noise: some broken rows and one store whose feed never arrives."""
    simulated = run_dag("simulate_source_systems", "2026-07-15", conf={
        "stores": 8, "skus": 60, "days": 20, "bad_row_rate": 0.005, "missing_feeds": 1})
    assert simulated.state == "success"

    run = run_dag("top_items_pipeline", "2026-07-15")

    assert run.state == "success"
    assert destinations.latest()["feed_date"] == "2026-07-15"
    coverage = warehouse.execute("select count(*) filter (where has_valid_feed), count(*) "
                                 "from marts.fct_store_feed_coverage where feed_date = '2026-07-15'").fetchone()
    assert coverage == (7, 8)  # missing_feeds=1: one store without a feed
