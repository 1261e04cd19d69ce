"""simulate_source_systems: the outside world. Stores drop day D's inventory feeds and the sync tool drops
reference snapshots into s3://landing/. Not part of the product: it stands in for the source systems."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, get_current_context, task

from top_items import assets, tasks


@task(outlets=[assets.LANDING_FEEDS, assets.LANDING_REFERENCE])
def write_source_files() -> dict:
    context = get_current_context()
    params = context["params"]
    feed_date = tasks.resolve_feed_date(params.get("feed_date"), context.get("logical_date"))
    return tasks.write_source_files(feed_date, seed=params["seed"], stores=params["stores"], skus=params["skus"],
                                    days=params["days"], bad_row_rate=params["bad_row_rate"],
                                    missing_feeds=params["missing_feeds"])


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={
        "feed_date": Param(None, type=["null", "string"], format="date"),
        "seed": Param(42, type="integer"),
        "stores": Param(40, type="integer", minimum=1),
        "skus": Param(300, type="integer", minimum=20),
        "days": Param(90, type="integer", minimum=1),
        "bad_row_rate": Param(0.005, type="number", minimum=0, maximum=1),
        "missing_feeds": Param(1, type="integer", minimum=0),
    },
    tags=["top-items", "simulation"],
    doc_md=__doc__,
)
def simulate_source_systems():
    write_source_files()


simulate_source_systems()
