"""The files the simulated source systems drop: deterministic, independent per store, and true to the edge contracts
of docs/contracts.md."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

import pytest

from sandbox.simulate.catalog import Catalog, WorldSpec
from sandbox.simulate.files import BAD_ROW_KINDS, day_files, feed_rows
from top_items import settings

DAY = date(2026, 12, 1)  # inside the peppermint vodka's season, so seasonal SKUs are on sale
SMALL = WorldSpec(stores=8, skus=60, days=7)

# The contracts, spelled out here rather than imported: a change to them must break a test.
FEED_HEADER = ["store_id", "sku_id", "remaining_qty", "reported_at"]
REFERENCE_HEADERS = {
    "stores": ["store_id", "store_name", "market_id", "license_type", "email", "salesforce_account_id"],
    "skus": ["sku_id", "name", "brand", "category", "is_liquor", "volume_ml", "season_start_month",
             "season_end_month", "price"],
    "order_lines": ["order_id", "order_date", "store_id", "sku_id", "units", "revenue"],
}
ISO_8601_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


@lru_cache(maxsize=None)
def files_for(spec: WorldSpec, day: date = DAY) -> dict[str, bytes]:
    return dict(day_files(Catalog(spec), day))


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def feed_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {key: body for key, body in files.items() if key.startswith(settings.feed_prefix(DAY.isoformat()))}


def reference(files: dict[str, bytes], table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[settings.reference_key(table, DAY.isoformat())].decode("utf-8"))))


def test_same_seed_gives_byte_identical_files():
    # Built twice from scratch (not through the cache): no hidden global state may leak between runs.
    assert dict(day_files(Catalog(SMALL), DAY)) == dict(day_files(Catalog(SMALL), DAY))


def test_different_seed_gives_different_files():
    # Without openings and closings the store masters, and so the files' names, are the same in both worlds.
    static = {"stores": 8, "skus": 60, "days": 7, "store_openings_per_year": 0, "store_closures_per_year": 0}
    one, other = files_for(WorldSpec(**static)), files_for(WorldSpec(seed=SMALL.seed + 1, **static))
    assert one.keys() == other.keys()
    assert all(one[key] != other[key] for key in feed_files(one))


def test_a_stores_feed_and_orders_do_not_change_with_the_number_of_other_stores():
    few, many = files_for(SMALL), files_for(WorldSpec(stores=20, skus=60, days=7))
    for store_id in (f"S{index:04d}" for index in range(1, SMALL.stores + 1)):
        feed_key = settings.feed_key(DAY.isoformat(), store_id)
        assert few[feed_key] == many[feed_key]
        assert ([line for line in reference(few, "order_lines") if line["store_id"] == store_id]
                == [line for line in reference(many, "order_lines") if line["store_id"] == store_id])


def test_every_feed_file_has_the_contract_header_and_iso_timestamps_with_offset():
    feeds = feed_files(files_for(WorldSpec()))
    assert len(feeds) == len(Catalog(WorldSpec()).stores_on(DAY))
    for key, body in feeds.items():
        header, *data = rows(body)
        assert header == FEED_HEADER, key
        assert data, key
        for store_id, _, _, reported_at in data:
            assert ISO_8601_WITH_OFFSET.match(reported_at), (key, reported_at)
            assert key == settings.feed_key(DAY.isoformat(), store_id)


@pytest.mark.parametrize("table", sorted(REFERENCE_HEADERS))
def test_reference_snapshots_have_their_contract_headers(table):
    body = files_for(SMALL)[settings.reference_key(table, DAY.isoformat())]
    assert rows(body)[0] == REFERENCE_HEADERS[table]


def test_beer_wine_stores_never_list_or_sell_liquor():
    files = files_for(WorldSpec())
    liquor = {sku["sku_id"] for sku in reference(files, "skus") if sku["is_liquor"] == "true"}
    beer_wine = {store["store_id"] for store in reference(files, "stores") if store["license_type"] == "beer_wine"}
    assert liquor and beer_wine  # otherwise the checks below prove nothing
    listed = {(store_id, sku_id) for body in feed_files(files).values() for store_id, sku_id, *_ in rows(body)[1:]}
    sold = {(line["store_id"], line["sku_id"]) for line in reference(files, "order_lines")}
    assert not {pair for pair in listed if pair[0] in beer_wine and pair[1] in liquor}
    assert not {pair for pair in sold if pair[0] in beer_wine and pair[1] in liquor}
    # ...while full-liquor stores do carry liquor, so the filter is not simply "nobody sells liquor".
    assert {pair for pair in listed if pair[0] not in beer_wine and pair[1] in liquor}


@pytest.mark.parametrize("days", [1, 7])
def test_order_lines_cover_exactly_the_days_ending_on_the_feed_date(days):
    spec = WorldSpec(stores=8, skus=60, days=days)
    order_dates = {line["order_date"] for line in reference(files_for(spec), "order_lines")}
    assert order_dates == {(DAY - timedelta(days=offset)).isoformat() for offset in range(days)}


def test_order_lines_have_unique_keys():
    # raw.order_lines' primary key is (order_id, sku_id).
    keys = Counter((line["order_id"], line["sku_id"]) for line in reference(files_for(WorldSpec()), "order_lines"))
    assert not [key for key, count in keys.items() if count > 1]


@pytest.mark.parametrize("missing", [0, 1, 3])
def test_missing_feeds_drops_exactly_that_many_feed_files(missing):
    spec = WorldSpec(stores=8, skus=60, days=1, missing_feeds=missing)
    complete = feed_files(files_for(WorldSpec(stores=8, skus=60, days=1)))
    arrived = feed_files(files_for(spec))
    assert len(arrived) == len(Catalog(spec).stores_on(DAY)) - missing
    assert all(complete[key] == body for key, body in arrived.items())


def test_store_names_with_commas_survive_a_csv_round_trip():
    files = files_for(WorldSpec())
    stores = reference(files, "stores")
    assert any("," in store["store_name"] for store in stores)
    assert {store["store_id"]: store["store_name"] for store in stores} == {
        store.store_id: store.store_name for store in Catalog(WorldSpec()).stores_on(DAY)}
    assert all(len(row) == len(REFERENCE_HEADERS["stores"])
               for row in rows(files[settings.reference_key("stores", DAY.isoformat())]))


# Breaking rows happens after the clean rows are drawn, so a clean and a broken feed line up row by row.
BROKEN = WorldSpec(bad_row_rate=0.05)


def broken_feeds() -> list[tuple[list[tuple], list[tuple]]]:
    clean_catalog, broken_catalog = Catalog(WorldSpec()), Catalog(BROKEN)
    return [(feed_rows(clean_catalog, store, DAY), feed_rows(broken_catalog, store, DAY))
            for store in broken_catalog.stores]


def bad_row_kind(clean: tuple, broken: tuple) -> str:
    if len(broken) != len(clean):
        return "wrong_column_count"
    changed = {FEED_HEADER[index] for index, (was, now) in enumerate(zip(clean, broken, strict=False)) if was != now}
    store_id, sku_id, quantity, _ = broken
    return {
        frozenset({"remaining_qty"}): "negative_quantity" if quantity.startswith("-") else "non_integer_quantity",
        frozenset({"reported_at"}): "bad_timestamp",
        frozenset({"store_id"}): "unknown_store",
        frozenset({"sku_id"}): "empty_key" if sku_id == "" else "duplicate_key",
    }[frozenset(changed)]


def test_a_bad_row_rate_produces_every_bad_row_kind():
    kinds = {bad_row_kind(clean_row, broken_row)
             for clean, broken in broken_feeds()
             for clean_row, broken_row in zip(clean, broken, strict=False) if clean_row != broken_row}
    assert kinds == set(BAD_ROW_KINDS)


def test_a_zero_bad_row_rate_breaks_nothing():
    clean = Catalog(WorldSpec())
    for store in clean.stores:
        assert all(len(row) == 4 and row[2].isdigit() and row[1] for row in feed_rows(clean, store, DAY))


def test_every_duplicate_key_row_repeats_a_key_already_in_its_file():
    not_duplicates = []
    for clean, broken in broken_feeds():
        for index, (clean_row, broken_row) in enumerate(zip(clean, broken, strict=False)):
            if clean_row != broken_row and bad_row_kind(clean_row, broken_row) == "duplicate_key":
                earlier_valid_skus = {row[1] for row in broken[:index] if row in clean}
                if broken_row[1] not in earlier_valid_skus:
                    not_duplicates.append(broken_row)
    assert not not_duplicates
