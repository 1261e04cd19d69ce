"""simulate_source_systems: the outside world. Stores drop day D's inventory feeds and the sync tool drops
reference snapshots into s3://landing/. Not part of the product: it stands in for the source systems, and is the
one DAG that imports the sandbox."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, get_current_context, task

from sandbox.simulate.params import world_params
from top_items import assets, tasks


@task(outlets=[assets.LANDING_FEEDS, assets.LANDING_REFERENCE])
def write_source_files() -> dict:
    from sandbox.simulate.publish import write_source_files as write

    context = get_current_context()
    params = dict(context["params"])
    feed_date = tasks.resolve_feed_date(params.pop("feed_date"), context.get("logical_date"))
    return write(feed_date, **params)


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"feed_date": Param(None, type=["null", "string"], format="date"), **world_params()},
    tags=["top-items", "simulation"],
    doc_md=__doc__,
)
def simulate_source_systems():
    write_source_files()


simulate_source_systems()
