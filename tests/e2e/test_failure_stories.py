"""The article's failure stories, each a full DAG run after a good day.

Each asserts three things: no destination received a wrong or NULL record; yesterday's good data is still
there (byte for byte in S3, record for record in Salesforce and the CRM); exactly one alert names the cause.
"""

from __future__ import annotations

import pytest

from tests.support.dags import run_dag
from tests.support.destinations import alert_emails
from tests.support.failure_stories import BAD_DAY, assert_nothing_reached_a_consumer
from tests.support.producers import rewrite_feeds
from top_items import settings
from top_items.registry import consumer

pytestmark = pytest.mark.timeout(900)
FEEDS = ("store_feeds",)  # the producer of the inventory feeds (include/contracts/producers.yml)

def move_feeds(s3, feed_date: str, new_prefix: str) -> None:
    prefix = settings.feed_prefix(feed_date)
    for item in s3.list_objects_v2(Bucket=settings.LANDING_BUCKET, Prefix=prefix)["Contents"]:
        s3.copy_object(Bucket=settings.LANDING_BUCKET, Key=item["Key"].replace(prefix, new_prefix),
                       CopySource={"Bucket": settings.LANDING_BUCKET, "Key": item["Key"]})
        s3.delete_object(Bucket=settings.LANDING_BUCKET, Key=item["Key"])


def test_a_the_producer_renames_a_feed_column(after_a_good_day, s3, destinations):
    rewrite_feeds(s3, BAD_DAY, lambda header, rows: (["qty_on_hand" if c == "remaining_qty" else c for c in header],
                                                     rows))

    run = run_dag("top_items_pipeline", BAD_DAY)

    assert run.state == "failed"
    assert_nothing_reached_a_consumer(destinations, after_a_good_day, "header mismatch", "ingest_inventory_feeds",
                                      FEEDS)


def test_a_the_producer_moves_the_inventory_table_to_a_new_schema(after_a_good_day, s3, destinations):
    move_feeds(s3, BAD_DAY, f"inventory_v2/feed_date={BAD_DAY}/")

    run = run_dag("top_items_pipeline", BAD_DAY)

    assert run.state == "failed"
    assert_nothing_reached_a_consumer(destinations, after_a_good_day, "no inventory feed files",
                                      "ingest_inventory_feeds", FEEDS)


@pytest.mark.parametrize("column", [0, 1, 2], ids=["null_store_ids", "null_sku_ids", "null_quantities"])
def test_b_nulls_flow_in_from_the_feed(after_a_good_day, s3, destinations, warehouse, column):
    rewrite_feeds(s3, BAD_DAY, lambda header, rows: (header, [
        [("" if i == column and n % 3 == 0 else value) for i, value in enumerate(row)] for n, row in enumerate(rows)]))

    run = run_dag("top_items_pipeline", BAD_DAY)

    assert run.state == "failed"
    assert_nothing_reached_a_consumer(destinations, after_a_good_day, "quarantine", "gate_raw", FEEDS)
    rows_in, loaded, quarantined = warehouse.execute(
        "select sum(rows_in)::int, sum(rows_loaded)::int, sum(rows_quarantined)::int from ops.load_audit "
        "where feed_date = %s and dataset = 'inventory_feed'", (BAD_DAY,)).fetchone()
    assert rows_in == loaded + quarantined and quarantined > rows_in / 4  # nothing lost: every NULL row kept, with why


def test_c_no_feed_arrives_today(after_a_good_day, s3, destinations):
    for item in s3.list_objects_v2(Bucket=settings.LANDING_BUCKET, Prefix=settings.feed_prefix(BAD_DAY))["Contents"]:
        s3.delete_object(Bucket=settings.LANDING_BUCKET, Key=item["Key"])

    run = run_dag("top_items_pipeline", BAD_DAY)

    assert run.state == "failed"
    assert_nothing_reached_a_consumer(destinations, after_a_good_day, "no inventory feed files",
                                      "ingest_inventory_feeds", FEEDS)


# A bad change to one export (a join at the wrong grain): every row still valid, the export gate passes,
# but the export is ten times larger than what Salesforce holds.
EXPLODED_SALESFORCE_EXPORT = """
-- grain: one row per feed date, store and SKU (a bad change: every SKU for every reporting store)
-- materialized: incremental
select
    coverage.feed_date,
    coverage.store_id || ':' || skus.sku_id as top_item_key,
    coverage.store_id,
    skus.sku_id,
    skus.sku_name,
    1 as market_rank
from marts.fct_store_feed_coverage as coverage
cross join marts.dim_skus as skus
where coverage.feed_date = %(feed_date)s::date and coverage.has_valid_feed
    and skus.feed_date = %(feed_date)s::date
"""


def test_d_a_bad_change_makes_one_export_ten_times_larger(after_a_good_day, s3, destinations, monkeypatch):
    import dataclasses

    from top_items.transform import models

    real_by_name = models.by_name

    def with_bad_change(name, *args):
        model = real_by_name(name, *args)
        if model.qualified_name == "exports.exp_top_items_salesforce":
            return dataclasses.replace(model, sql=EXPLODED_SALESFORCE_EXPORT)
        return model

    monkeypatch.setattr(models, "by_name", with_bad_change)

    run = run_dag("top_items_pipeline", BAD_DAY)

    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["push_salesforce"] == "failed"
    assert states["push_crm"] == states["push_retailer_app"] == "success"  # only that consumer is blocked
    after = destinations.snapshot()
    assert after["salesforce"] == after_a_good_day["salesforce"]  # record for record, yesterday's
    assert destinations.latest()["feed_date"] == BAD_DAY  # the others moved on
    assert destinations.alerts() == []  # the pager is the on-call's: a blocked push is its owner's to hear
    [told] = alert_emails(destinations)  # one alert, on the owner's route
    assert told["to"] == [consumer("salesforce").owner] and told["task_id"] == "push_salesforce"
    assert "VolumeGuardBlocked" in told["text"] and "held after the last successful sync" in told["text"]

    overridden = run_dag("top_items_pipeline", BAD_DAY, conf={"override_volume_guard": ["salesforce"]})

    assert overridden.state == "success"
    assert len(destinations.salesforce()) > 5 * len(after_a_good_day["salesforce"])
