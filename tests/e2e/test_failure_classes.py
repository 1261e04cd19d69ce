"""The article's classes of failure, each a full DAG run after a good day, in several variants.

A story that crosses its class's bound is stopped before the fan-out: every destination is as the good day left
it (S3 byte for byte, Salesforce by SOQL, the CRM through its API) and exactly one alert names the cause. A story
under the bound goes through, and what it broke stays out of every consumer.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from sandbox.simulate.publish import write_day
from tests.support.dags import run_dag
from tests.support.failure_stories import (
    BAD_DAY,
    EARLIER_GOOD_DAY,
    GOOD_DAY,
    SPEC,
    assert_nothing_reached_a_consumer,
)
from tests.support.producers import (
    move_stores_to_another_market,
    renumber_skus,
    replay_feeds,
    replay_feeds_nudged,
    rewrite_snapshot,
    truncate_snapshot,
    wipe_stock,
)

pytestmark = pytest.mark.timeout(900)


# The producers told (include/contracts/producers.yml): a cut or renumbered reference also fails checks on the feeds
# it no longer matches, so both are told, once each.
FEEDS, REFERENCE = ("store_feeds",), ("reference_sync",)
BOTH = FEEDS + REFERENCE


def _stopped_at_raw_gate(destinations, before, cause, producers):
    run = run_dag("top_items_pipeline", BAD_DAY)
    assert run.state == "failed"
    return assert_nothing_reached_a_consumer(destinations, before, cause, "gate_raw", producers)


class TestStaleFeeds:
    """Existence and staleness: a day's feeds that repeat an earlier day's say nothing about today's stock."""

    @pytest.mark.parametrize("variant", [
        {},
        {"shift_timestamps": True},
        {"shift_timestamps": True, "shuffle": True},
        {"share": 0.5, "shift_timestamps": True},
    ], ids=["byte_identical", "timestamps_shifted", "shifted_and_reordered", "half_the_stores"])
    def test_a_replayed_day_is_stopped(self, after_a_good_day, s3, destinations, variant):
        replay_feeds(s3, GOOD_DAY, BAD_DAY, **variant)

        alert = _stopped_at_raw_gate(destinations, after_a_good_day, "stale stores", FEEDS)

        assert "S0001" in alert["cause"]  # the offending stores are named

    def test_one_stale_store_gets_nothing_and_the_rest_go_on(self, after_a_good_day, s3, destinations, warehouse):
        [stale] = replay_feeds(s3, GOOD_DAY, BAD_DAY, share=1 / 12, shift_timestamps=True)

        run = run_dag("top_items_pipeline", BAD_DAY)

        assert run.state == "success"
        assert destinations.latest()["feed_date"] == BAD_DAY
        assert stale not in {row[1] for row in destinations.salesforce()}
        crm = {row[0]: row for row in destinations.crm()}
        assert not crm[stale][2] and not crm[stale][3]  # the company stays; its top items are cleared (on_remove)
        assert destinations.alerts() == []
        status, error = warehouse.execute(
            "select status, error from ops.load_audit where feed_date = %s and source_file like %s",
            (BAD_DAY, f"%store_id={stale}.csv")).fetchone()
        assert status == "stale" and GOOD_DAY in error
        warned = warehouse.execute("select outcome from ops.dq_results where feed_date = %s "
                                   "and check_name like 'stale stores%%'", (BAD_DAY,)).fetchall()
        assert warned[-1][0] == "warn"


class TestTruncatedReference:
    """Aggregates against their normal: a reference snapshot that arrived cut short."""

    @pytest.mark.parametrize(("table", "keep", "cause", "producers"), [
        ("stores", 0.5, "raw.stores: rows vs normal", BOTH),
        ("skus", 0.6, "raw.skus: rows vs normal", BOTH),
        ("order_lines", 0.4, "raw.order_lines: rows vs normal", REFERENCE),
        ("order_lines", 0.75, "raw.order_lines: rows vs normal", REFERENCE),
    ], ids=["stores_half", "skus_sixty_percent", "order_lines_forty_percent", "order_lines_three_quarters"])
    def test_a_truncated_snapshot_is_stopped(self, after_a_good_day, s3, destinations, table, keep, cause, producers):
        assert truncate_snapshot(s3, table, BAD_DAY, keep) > 0

        _stopped_at_raw_gate(destinations, after_a_good_day, cause, producers)

    def test_the_alert_names_the_stores_the_order_history_still_references(self, after_a_good_day, s3,
                                                                          destinations):
        truncate_snapshot(s3, "stores", BAD_DAY, 11 / 12)  # the last store is gone; its orders are not

        # the feed is not at fault: its stores reporting are judged as a share of the store master in force
        alert = _stopped_at_raw_gate(destinations, after_a_good_day, "order history references", REFERENCE)

        assert "S0012" in alert["cause"]


class TestReferenceRelabelled:
    """Distributions against their normal: every count holds, the mix of a reference field does not."""

    @pytest.mark.parametrize(("table", "column", "value", "cause"), [
        ("stores", "license_type", "beer_wine", "share of beer_wine stores"),
        ("skus", "is_liquor", "true", "share of liquor SKUs"),
        ("skus", "season_start_month", "", "share of seasonal SKUs"),
    ], ids=["every_store_beer_wine", "every_sku_liquor", "seasons_dropped"])
    def test_a_relabelled_snapshot_is_stopped(self, after_a_good_day, s3, destinations, table, column, value, cause):
        rewrite_snapshot(s3, table, BAD_DAY, column, value)
        if column == "season_start_month":
            rewrite_snapshot(s3, table, BAD_DAY, "season_end_month", "")  # both or neither, as the contract wants

        _stopped_at_raw_gate(destinations, after_a_good_day, cause, REFERENCE)


class TestStockWiped:
    """Distributions against their normal: the row count holds, the stock does not."""

    @pytest.mark.parametrize("share", [1.0, 0.5, 0.25], ids=["every_store", "half_the_stores", "a_quarter"])
    def test_wiped_stock_is_stopped(self, after_a_good_day, s3, destinations, share):
        wipe_stock(s3, BAD_DAY, share)

        alert = _stopped_at_raw_gate(destinations, after_a_good_day, "in-stock SKUs fell below half", FEEDS)

        assert "zero-quantity rows" in alert["cause"]


class TestWrongDataThatLooksNormal:
    """Keyed drift against the last good state: every total holds, the keys do not."""

    def test_stores_moved_to_another_market_are_stopped(self, after_a_good_day, s3, destinations):
        moved = move_stores_to_another_market(s3, BAD_DAY, 0.2)

        alert = _stopped_at_raw_gate(destinations, after_a_good_day, "market changed", REFERENCE)

        assert (f"stores snapshot {BAD_DAY}: market changed for {len(moved)} of 12 stores ({', '.join(sorted(moved))})"
                in alert["summary"]), alert["summary"]

    def test_a_renumbered_catalogue_is_stopped(self, after_a_good_day, s3, destinations):
        skus = renumber_skus(s3, BAD_DAY)

        alert = _stopped_at_raw_gate(destinations, after_a_good_day, "SKU ids removed", BOTH)

        assert f"skus snapshot {BAD_DAY}: SKU ids removed for {skus} of {skus} SKUs" in alert["summary"]
        assert "SKU ids added" in alert["cause"] and "SKUs no longer listed" in alert["cause"]

    def test_yesterdays_stock_nudged_is_stopped(self, earlier_good_day, after_a_good_day, s3, destinations):
        stores = replay_feeds_nudged(s3, GOOD_DAY, BAD_DAY)

        alert = _stopped_at_raw_gate(destinations, after_a_good_day, "stock near-identical to the previous good feed",
                                     FEEDS)

        # a store listing fewer than 20 SKUs keeps under 95% of its pairs with one nudged: the rest are enough
        assert re.search(rf"inventory feed {BAD_DAY}: stock near-identical to the previous good feed for "
                         rf"(1[0-2]) of {len(stores)} stores \(S0001, ", alert["summary"]), alert["summary"]
        assert "stale stores" not in alert["cause"]  # no file repeats an earlier one


@pytest.fixture
def earlier_good_day(warehouse, s3, destinations, airflow_db):
    """A good day before the story's good day, so each store has a normal of its own to be judged against."""
    write_day(s3, SPEC, date.fromisoformat(EARLIER_GOOD_DAY))
    assert run_dag("top_items_pipeline", EARLIER_GOOD_DAY).state == "success"
