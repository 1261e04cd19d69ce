"""Scheduled life: re-running a day changes nothing downstream; a backfill never moves a consumer backwards."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.simulate.catalog import WorldSpec
from sandbox.simulate.publish import write_day
from tests.support.dags import run_dag

pytestmark = pytest.mark.timeout(900)

SPEC = WorldSpec(stores=10, skus=100, days=90)
OLDER, NEWER = "2026-11-23", "2026-11-24"


def test_rerunning_a_day_pushes_nothing_and_leaves_every_destination_as_it_was(warehouse, s3, destinations,
                                                                               airflow_db):
    write_day(s3, SPEC, date.fromisoformat(NEWER))
    assert run_dag("top_items_pipeline", NEWER).state == "success"
    first = destinations.snapshot()
    first_latest = destinations.latest()

    assert run_dag("top_items_pipeline", NEWER).state == "success"

    assert destinations.snapshot() == first  # S3's objects, Salesforce's records and the CRM's companies
    assert destinations.latest() == first_latest  # no new run folder: the app's pointer did not move
    rerun = warehouse.execute(
        "select distinct on (consumer) consumer, records_pushed, api_calls from ops.sync_runs "
        "order by consumer, sync_run_id desc").fetchall()
    assert {consumer: (pushed, calls) for consumer, pushed, calls in rerun} == {
        "salesforce": (0, 0), "crm": (0, 0), "retailer_app": (0, 0)}  # nothing to push: not even a login


def test_a_backfill_of_an_older_day_never_moves_a_consumer_backwards(warehouse, s3, destinations, airflow_db):
    for day in (OLDER, NEWER):
        write_day(s3, SPEC, date.fromisoformat(day))
    assert run_dag("top_items_pipeline", NEWER).state == "success"
    newest = destinations.snapshot()

    assert run_dag("top_items_pipeline", OLDER).state == "success"

    assert destinations.latest()["feed_date"] == NEWER
    assert any(f"feed_date={OLDER}/" in key for key in destinations.retailer_app())  # its own dated folder
    after = destinations.snapshot()
    assert after["salesforce"] == newest["salesforce"] and after["crm"] == newest["crm"]
    outcomes = dict(warehouse.execute("select consumer, outcome from ops.sync_runs where feed_date = %s",
                                      (OLDER,)).fetchall())
    assert outcomes == {"salesforce": "skipped", "crm": "skipped", "retailer_app": "success"}
    built = warehouse.execute(
        "select distinct feed_date::text from marts.store_missing_top_items order by 1"
    ).fetchall()
    assert built == [(OLDER,), (NEWER,)]  # the backfill replaced its own day and kept the newer one


EXPORTS = ("exports.exp_top_items_salesforce", "exports.exp_top_items_crm", "exports.exp_top_items_retailer_app")


def _day_of(warehouse, day: str) -> dict[str, list[tuple]]:
    """Every published row of one day: the marts and each consumer's export."""
    return {table: warehouse.execute(f"select * from {table} where feed_date = %s order by 1, 2, 3",
                                     (day,)).fetchall()
            for table in ("marts.dim_stores", "marts.dim_skus", "marts.store_missing_top_items", *EXPORTS)}


def test_a_day_recomputed_after_later_days_is_exactly_what_it_was(warehouse, s3, destinations, airflow_db):
    days = [OLDER, NEWER, "2026-11-25", "2026-11-26"]
    for day in days:
        write_day(s3, SPEC, date.fromisoformat(day))
    assert run_dag("top_items_pipeline", OLDER).state == "success"
    first = _day_of(warehouse, OLDER)
    for day in days[1:]:
        assert run_dag("top_items_pipeline", day).state == "success"
    checksums = warehouse.execute("select count(distinct checksum_sha256) from raw.snapshots "
                                  "where table_name = 'order_lines'").fetchone()[0]
    assert checksums == len(days)  # each later day brought a different order history; all are kept

    assert run_dag("top_items_pipeline", OLDER).state == "success"

    assert _day_of(warehouse, OLDER) == first
    in_force = warehouse.execute("select raw.snapshot_in_force('order_lines', %s)::text", (OLDER,)).fetchone()[0]
    assert in_force == OLDER
    assert warehouse.execute("select count(*) from ops.day_claims").fetchone()[0] == 0  # every run gave its day back
    assert warehouse.execute("select count(*) from pg_namespace where nspname like 'build\\_%'").fetchone()[0] == 0
