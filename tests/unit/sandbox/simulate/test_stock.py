"""How the simulated stock moves: sales deplete it, deliveries refill it on the store's restock weekday, slow lines
stay put, promotions sell faster, weekends are busier, and stores open and close. Every day stays a pure function of
(spec, day), so a quality check meets normal days that look like real ones."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from sandbox.simulate.catalog import EPOCH, Catalog, WorldSpec
from sandbox.simulate.files import day_files, feed_rows, order_lines
from sandbox.simulate.stock import _sales, shelf, stock
from top_items import settings

FIRST = date(2026, 11, 16)  # a Monday
WEEKS = [FIRST + timedelta(days=offset) for offset in range(28)]
WORLD = WorldSpec()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(WORLD)


@pytest.fixture(scope="module")
def stocks(catalog) -> dict[tuple[str, date], np.ndarray]:
    return {(store.store_id, day): stock(catalog, store, day)
            for day in [FIRST - timedelta(days=1), *WEEKS] for store in catalog.stores_on(day)}


def identical_shares(catalog, stocks, *, restock_days: bool) -> list[float]:
    shares = []
    for day in WEEKS:
        for store in catalog.stores_on(day):
            if (day.weekday() == shelf(catalog, store).restock_weekday) == restock_days:
                today, before = stocks[(store.store_id, day)], stocks[(store.store_id, day - timedelta(days=1))]
                shares.append(float((today == before).mean()))
    return shares


def test_most_of_a_stores_lines_are_as_yesterday_on_a_normal_day_but_never_all(catalog, stocks):
    shares = identical_shares(catalog, stocks, restock_days=False)
    assert statistics.median(shares) > 0.6
    # A replay of yesterday is what the near-replay and stale-file checks look for: normal days stay clear of it.
    assert max(shares) < 0.95


def test_a_restock_day_changes_more_lines_than_a_normal_day(catalog, stocks):
    assert (statistics.median(identical_shares(catalog, stocks, restock_days=True))
            < statistics.median(identical_shares(catalog, stocks, restock_days=False)) - 0.2)


def test_stock_only_falls_between_restocks_and_jumps_on_the_restock_day(catalog, stocks):
    for store in catalog.stores_on(FIRST):
        plan = shelf(catalog, store)
        for day in WEEKS:
            today, before = stocks[(store.store_id, day)], stocks[(store.store_id, day - timedelta(days=1))]
            if day.weekday() == plan.restock_weekday:
                assert today.sum() > before.sum(), (store.store_id, day)
                assert (today >= before).sum() > (today < before).sum()
            else:
                assert (today <= before).all(), (store.store_id, day)
                assert today.sum() < before.sum(), (store.store_id, day)


def test_lines_sell_out_and_stay_empty_until_their_delivery(catalog, stocks):
    zeros = [float((stocks[(store.store_id, day)] == 0).mean()) for day in WEEKS for store in catalog.stores_on(day)]
    assert 0 < statistics.mean(zeros) < 0.1


def test_a_day_is_the_same_whichever_days_were_generated_before_it():
    warm = Catalog(WORLD)
    for day in (FIRST - timedelta(days=20), FIRST + timedelta(days=3), FIRST - timedelta(days=1)):
        dict(day_files(warm, day))
    assert dict(day_files(warm, FIRST)) == dict(day_files(Catalog(WORLD), FIRST))


def test_no_feed_repeats_an_earlier_day_of_its_store(catalog):
    # The loader calls a file stale when its (SKU, quantity) pairs equal any earlier feed of the store.
    seen: dict[str, set] = {}
    for day in WEEKS:
        for store in catalog.stores_on(day):
            fingerprint = frozenset((row[1], row[2]) for row in feed_rows(catalog, store, day))
            assert fingerprint not in seen.setdefault(store.store_id, set()), (store.store_id, day)
            seen[store.store_id].add(fingerprint)


def test_a_promoted_sku_sells_faster_in_its_market(catalog):
    lifts = []
    for store in catalog.stores_on(FIRST):
        plan = shelf(catalog, store)
        sold = _sales(catalog, store, WEEKS[0], WEEKS[-1]) / plan.rate
        for line, sku in enumerate(plan.skus):
            on = [sold[i, line] for i, day in enumerate(WEEKS) if sku.sku_id in catalog.promoted(store.market_id, day)]
            off = [sold[i, line] for i, day in enumerate(WEEKS)
                   if sku.sku_id not in catalog.promoted(store.market_id, day)]
            if on and off and sku.in_season(FIRST.month):
                lifts.append((sum(on) / len(on), sum(off) / len(off)))
    assert lifts
    assert sum(on for on, _ in lifts) > 2 * sum(off for _, off in lifts)


def test_promotions_are_per_market_and_a_few_a_week(catalog):
    promoted = {(market, day): catalog.promoted(market, day) for market in catalog.market_ids() for day in WEEKS}
    assert all(len(skus) <= 3 * WORLD.promotions_per_market_week + 3 for skus in promoted.values())
    assert len({skus for skus in promoted.values()}) > len(catalog.market_ids())
    assert not any(Catalog(WorldSpec(promotions_per_market_week=0)).promoted(market, day)
                   for market, day in promoted)


def test_weekends_take_more_orders_than_weekdays():
    lines = list(order_lines(Catalog(WorldSpec(stores=12, skus=60, days=56)), WEEKS[-1]))
    orders = Counter(date.fromisoformat(day).weekday() for _, day in {(line[0], line[1]) for line in lines})
    assert min(orders[4], orders[5]) > 1.2 * max(orders[0], orders[1], orders[6])


def test_without_openings_or_closures_the_store_master_is_the_spec():
    static = Catalog(WorldSpec(store_openings_per_year=0, store_closures_per_year=0))
    assert all(static.stores_on(day) == static.stores for day in (date(2025, 6, 1), date(2030, 6, 1)))


def test_before_the_epoch_the_world_is_as_specified():
    busy = Catalog(WorldSpec(store_openings_per_year=5, store_closures_per_year=0.5))
    assert busy.stores_on(EPOCH - timedelta(days=1)) == busy.stores
    assert busy.stores_on(EPOCH + timedelta(days=365)) != busy.stores


def test_a_lead_starts_the_store_events_that_many_days_before_the_epoch():
    knobs = {"store_openings_per_year": 5, "store_closures_per_year": 0.5}
    early = Catalog(WorldSpec(**knobs, store_events_lead_days=365))
    start = EPOCH - timedelta(days=365)
    assert early.stores_on(start - timedelta(days=1)) == early.stores
    assert early.stores_on(EPOCH - timedelta(days=1)) != early.stores
    assert all(store.opens >= start for store in early.opened_stores(EPOCH))


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_an_opening_store_appears_in_the_master_the_feeds_and_the_orders_from_its_first_day():
    spec = WorldSpec(stores=8, skus=60, days=7, store_openings_per_year=2)
    opened = Catalog(spec).opened_stores(EPOCH + timedelta(days=365))[0]
    for day, expected in ((opened.opens - timedelta(days=1), False), (opened.opens, True),
                          (opened.opens + timedelta(days=1), True)):
        files = dict(day_files(Catalog(spec), day))
        master = {row["store_id"] for row in rows(files[settings.reference_key("stores", day.isoformat())])}
        ordering = {row["store_id"] for row in rows(files[settings.reference_key("order_lines", day.isoformat())])}
        assert (opened.store_id in master) is expected
        assert (settings.feed_key(day.isoformat(), opened.store_id) in files) is expected
        assert opened.store_id not in ordering or expected
    first = dict(day_files(Catalog(spec), opened.opens + timedelta(days=1)))
    orders = rows(first[settings.reference_key("order_lines", (opened.opens + timedelta(days=1)).isoformat())])
    assert min(row["order_date"] for row in orders if row["store_id"] == opened.store_id) >= opened.opens.isoformat()


def test_a_closing_store_leaves_the_master_the_feeds_and_the_orders_on_its_last_day():
    spec = WorldSpec(stores=8, skus=60, days=7, store_closures_per_year=0.5)
    closing = min((store for store in Catalog(spec).stores if store.closes), key=lambda store: store.closes)
    for day, expected in ((closing.closes - timedelta(days=1), True), (closing.closes, False)):
        files = dict(day_files(Catalog(spec), day))
        master = {row["store_id"] for row in rows(files[settings.reference_key("stores", day.isoformat())])}
        ordering = {row["store_id"] for row in rows(files[settings.reference_key("order_lines", day.isoformat())])}
        assert (closing.store_id in master) is expected
        assert (settings.feed_key(day.isoformat(), closing.store_id) in files) is expected
        assert (closing.store_id in ordering) is expected


def test_one_market_grows_faster_than_the_others():
    catalog = Catalog(WorldSpec(stores=80, store_openings_per_year=0.2, store_closures_per_year=0))
    opened = Counter(store.market_id for store in catalog.opened_stores(date(2030, 12, 31)))
    growing = catalog._market(catalog.growing_market)[0]
    assert opened.most_common(1)[0][0] == growing


def test_store_events_are_rare_in_a_test_sized_world_by_default():
    # A store opening or closing trips the day-over-day store counts by design: a few days of a 40-store world
    # should not meet one unless a test asks for it.
    catalog = Catalog(WORLD)
    later = [EPOCH + timedelta(days=offset) for offset in range(120, 148)]
    changes = sum(1 for day in later if catalog.stores_on(day) != catalog.stores_on(day - timedelta(days=1)))
    assert changes <= 1
