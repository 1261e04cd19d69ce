"""Render the source systems' files for one day as CSV bytes (the feed and snapshot contracts of docs/contracts.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

from sandbox.simulate.catalog import Catalog, Sku, Store, rng
from sandbox.simulate.stock import PROMOTION_LIFT, WEEKDAY_LIFT, assortment, stock
from top_items import settings

# How a broken feed row looks: one per quarantine reason of include/sql/raw/split_inventory_feed.sql.
BAD_ROW_KINDS = ("negative_quantity", "non_integer_quantity", "empty_key", "bad_timestamp",
                 "wrong_column_count", "unknown_store", "duplicate_key")


def _csv_bytes(header: tuple[str, ...], rows: Iterator[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _market_weights(catalog: Catalog, market_id: str, day: date, sells_liquor: bool) -> tuple[list[Sku], list[float]]:
    """The SKUs a market's stores sell on ``day`` and their cumulative weights (season, taste and promotions)."""
    taste, promoted = catalog.taste(market_id), catalog.promoted(market_id, day)
    skus, cumulative, total = [], [], 0.0
    for sku in catalog.skus:
        if not sku.in_season(day.month) or (sku.is_liquor and not sells_liquor):
            continue
        total += sku.popularity * taste[sku.sku_id] * (PROMOTION_LIFT if sku.sku_id in promoted else 1.0)
        skus.append(sku)
        cumulative.append(total)
    return skus, cumulative


def order_lines(catalog: Catalog, feed_date: date) -> Iterator[tuple]:
    """90 (spec.days) days of order lines ending on feed_date, for the stores in feed_date's store master (the sync
    tool exports the stores it knows), each from the day it opened; each store-day is its own random stream."""
    spec = catalog.spec
    cache: dict[tuple, tuple[list[Sku], list[float]]] = {}
    stores = catalog.stores_on(feed_date)
    for offset in range(spec.days - 1, -1, -1):
        day = feed_date - timedelta(days=offset)
        # Busier at the weekend: the same spread around a weekday's share of the average day.
        orders = spec.orders_per_store_day * WEEKDAY_LIFT[day.weekday()]
        low, high = max(0, round(orders / 2)), max(1, round(orders * 3 / 2))
        for store in stores:
            if store.opens is not None and day < store.opens:
                continue
            key = (store.market_id, day, store.sells_liquor)
            if key not in cache:
                cache[key] = _market_weights(catalog, *key)
            skus, cumulative = cache[key]
            r = rng(spec.seed, "orders", store.store_id, day.isoformat())
            for order_number in range(r.randint(low, high)):
                order_id = f"O{day:%Y%m%d}{store.store_id}{order_number:03d}"
                for sku in dict.fromkeys(r.choices(skus, cum_weights=cumulative, k=r.randint(1, 3))):
                    units = r.randint(1, 12) if sku.volume_ml <= 50 else r.randint(1, 3)
                    yield (order_id, day.isoformat(), store.store_id, sku.sku_id, units, f"{units * sku.price:.2f}")


def feed_rows(catalog: Catalog, store: Store, feed_date: date) -> list[tuple]:
    r = rng(catalog.spec.seed, "feed", store.store_id, feed_date.isoformat())
    rows = []
    for sku, quantity in zip(assortment(catalog, store), stock(catalog, store, feed_date).tolist(), strict=True):
        reported_at = (f"{feed_date.isoformat()}T0{r.randint(5, 7)}:{r.randint(0, 59):02d}:"
                       f"{r.randint(0, 59):02d}{store.utc_offset}")
        rows.append((store.store_id, sku.sku_id, str(quantity), reported_at))
    written, last_valid = [], None
    for row in rows:
        written.append(_maybe_break(row, r, catalog.spec.bad_row_rate, last_valid))
        last_valid = row if written[-1] == row else last_valid
    return written


def _maybe_break(row: tuple, r, rate: float, last_valid: tuple | None) -> tuple:
    if rate == 0 or r.random() >= rate:
        return row
    store_id, sku_id, quantity, reported_at = row
    kind = r.choice(BAD_ROW_KINDS)
    if kind == "duplicate_key" and last_valid is None:
        kind = "negative_quantity"  # nothing valid yet whose key could be repeated
    return {
        "negative_quantity": (store_id, sku_id, f"-{quantity}", reported_at),
        "non_integer_quantity": (store_id, sku_id, f"{quantity}.5", reported_at),
        "empty_key": (store_id, "", quantity, reported_at),
        "bad_timestamp": (store_id, sku_id, quantity, "yesterday morning"),
        "wrong_column_count": (store_id, sku_id, quantity),
        "unknown_store": ("S9999", sku_id, quantity, reported_at),
        "duplicate_key": (store_id, last_valid[1] if last_valid else sku_id, quantity, reported_at),
    }[kind]


def stores_with_feed(catalog: Catalog, feed_date: date) -> list[Store]:
    stores = catalog.stores_on(feed_date)
    missing = set(rng(catalog.spec.seed, "missing", feed_date.isoformat())
                  .sample([s.store_id for s in stores], min(catalog.spec.missing_feeds, len(stores))))
    return [store for store in stores if store.store_id not in missing]


def feed_files(catalog: Catalog, feed_date: date) -> Iterator[tuple[str, bytes]]:
    for store in stores_with_feed(catalog, feed_date):
        yield (settings.feed_key(feed_date.isoformat(), store.store_id),
               _csv_bytes(settings.FEED_COLUMNS, iter(feed_rows(catalog, store, feed_date))))


def reference_files(catalog: Catalog, snapshot_date: date) -> Iterator[tuple[str, bytes]]:
    day = snapshot_date.isoformat()
    yield settings.reference_key("stores", day), _csv_bytes(settings.REFERENCE_COLUMNS["stores"], (
        (s.store_id, s.store_name, s.market_id, s.license_type, s.email, s.salesforce_account_id)
        for s in catalog.stores_on(snapshot_date)))
    yield settings.reference_key("skus", day), _csv_bytes(settings.REFERENCE_COLUMNS["skus"], (
        (k.sku_id, k.name, k.brand, k.category, str(k.is_liquor).lower(), k.volume_ml,
         "" if k.season_start_month is None else k.season_start_month,
         "" if k.season_end_month is None else k.season_end_month, f"{k.price:.2f}") for k in catalog.skus))
    yield settings.reference_key("order_lines", day), _csv_bytes(settings.REFERENCE_COLUMNS["order_lines"],
                                                                 order_lines(catalog, snapshot_date))


def day_files(catalog: Catalog, feed_date: date) -> Iterator[tuple[str, bytes]]:
    yield from reference_files(catalog, feed_date)
    yield from feed_files(catalog, feed_date)
