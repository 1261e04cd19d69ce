"""Misbehaving upstream teams: each function breaks a day already written to the landing bucket, as a producer
or a sync tool would, so a failure story reads as what happened upstream."""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections.abc import Callable
from datetime import date, timedelta

from top_items import settings

Rows = list[list[str]]


def _read(s3, key: str) -> bytes:
    return s3.get_object(Bucket=settings.LANDING_BUCKET, Key=key)["Body"].read()


def _put(s3, key: str, body: bytes) -> None:
    s3.put_object(Bucket=settings.LANDING_BUCKET, Key=key, Body=body)


def _csv(header: list[str], rows: Rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def feed_keys(s3, feed_date: str) -> list[str]:
    listing = s3.list_objects_v2(Bucket=settings.LANDING_BUCKET, Prefix=settings.feed_prefix(feed_date))
    return sorted(item["Key"] for item in listing.get("Contents", []))


def rewrite_feeds(s3, feed_date: str, change: Callable[[list[str], Rows], tuple[list[str], Rows]],
                  share: float = 1.0) -> list[str]:
    """Apply ``change(header, rows)`` to the first ``share`` of the day's feed files; returns the stores touched."""
    keys = feed_keys(s3, feed_date)
    touched = keys[: max(1, round(len(keys) * share))]
    for key in touched:
        header, *rows = list(csv.reader(io.StringIO(_read(s3, key).decode())))
        _put(s3, key, _csv(*change(header, rows)))
    return [settings.feed_store_id(feed_date, key) for key in touched]


def replay_feeds(s3, earlier: str, feed_date: str, *, share: float = 1.0, shift_timestamps: bool = False,
                 shuffle: bool = False) -> list[str]:
    """Deliver an earlier day's files again as ``feed_date``'s (byte for byte, or with today's timestamps, or with
    their lines in another order); returns the stores replayed."""
    days = (date.fromisoformat(feed_date) - date.fromisoformat(earlier)).days
    keys = feed_keys(s3, earlier)
    replayed = keys[: max(1, round(len(keys) * share))]
    for key in replayed:
        body = _read(s3, key)
        if shift_timestamps or shuffle:
            header, *rows = list(csv.reader(io.StringIO(body.decode())))
            if shift_timestamps:
                rows = [[*row[:3], _shift(row[3], days)] for row in rows]
            if shuffle:
                random.Random(key).shuffle(rows)
            body = _csv(header, rows)
        _put(s3, key.replace(settings.feed_prefix(earlier), settings.feed_prefix(feed_date)), body)
    return [settings.feed_store_id(earlier, key) for key in replayed]


def _shift(reported_at: str, days: int) -> str:
    day = date.fromisoformat(reported_at[:10]) + timedelta(days=days)
    return day.isoformat() + reported_at[10:]


def wipe_stock(s3, feed_date: str, share: float) -> list[str]:
    """Every quantity zero in the first ``share`` of the stores' files (a broken stock export)."""
    return rewrite_feeds(s3, feed_date, lambda header, rows: (header, [[*row[:2], "0", row[3]] for row in rows]),
                         share)


def rewrite_snapshot(s3, table: str, snapshot_date: str, column: str, value: str) -> int:
    """Set one column of every row of a reference snapshot (a sync that mapped a field wrong); returns the rows."""
    key = settings.reference_key(table, snapshot_date)
    header, *rows = list(csv.reader(io.StringIO(_read(s3, key).decode())))
    at = header.index(column)
    _put(s3, key, _csv(header, [[*row[:at], value, *row[at + 1:]] for row in rows]))
    return len(rows)


def truncate_snapshot(s3, table: str, snapshot_date: str, keep: float) -> int:
    """Cut a reference snapshot to its first ``keep`` share of rows (a sync that stopped half-way)."""
    key = settings.reference_key(table, snapshot_date)
    header, *rows = list(csv.reader(io.StringIO(_read(s3, key).decode())))
    kept = rows[: int(len(rows) * keep)]
    _put(s3, key, _csv(header, kept))
    return len(rows) - len(kept)


def put_feed_object(s3, feed_date: str, name: str, body: bytes) -> str:
    key = settings.feed_prefix(feed_date) + name
    _put(s3, key, body)
    return key


def gzip_feed(s3, feed_date: str, store_id: str) -> str:
    """The store's file compressed, under its usual name."""
    key = settings.feed_key(feed_date, store_id)
    _put(s3, key, gzip.compress(_read(s3, key)))
    return key


def _rewrite_rows(s3, key: str, change: Callable[[list[str], Rows], Rows]) -> int:
    header, *rows = list(csv.reader(io.StringIO(_read(s3, key).decode())))
    _put(s3, key, _csv(header, change(header, rows)))
    return len(rows)


def move_stores_to_another_market(s3, snapshot_date: str, share: float) -> list[str]:
    """The first ``share`` of the store master's stores each moved to the next market (a sync that joined the wrong
    territory table): the markets, their count and the licence mix stay; returns the stores moved."""
    moved: list[str] = []

    def move(header: list[str], rows: Rows) -> Rows:
        at, markets = header.index("market_id"), sorted({row[header.index("market_id")] for row in rows})
        for row in rows[: round(len(rows) * share)]:
            row[at] = markets[(markets.index(row[at]) + 1) % len(markets)]
            moved.append(row[0])
        return rows

    _rewrite_rows(s3, settings.reference_key("stores", snapshot_date), move)
    return moved


def renumber_skus(s3, feed_date: str, prefix: str = "R") -> int:
    """Every SKU id renumbered, consistently in the SKU snapshot, the order lines and every feed file (a catalogue
    migrated to new ids): every count and every join holds; returns the SKUs renumbered."""

    def renumber(header: list[str], rows: Rows) -> Rows:
        at = header.index("sku_id")
        return [[*row[:at], prefix + row[at], *row[at + 1:]] for row in rows]

    _rewrite_rows(s3, settings.reference_key("order_lines", feed_date), renumber)
    for key in feed_keys(s3, feed_date):
        _rewrite_rows(s3, key, renumber)
    return _rewrite_rows(s3, settings.reference_key("skus", feed_date), renumber)


def replay_feeds_nudged(s3, earlier: str, feed_date: str) -> list[str]:
    """An earlier day's stock sent again with today's timestamps and one quantity nudged in every file, so no file
    repeats an earlier one (the fingerprint sees a new file); returns the stores replayed."""
    stores = replay_feeds(s3, earlier, feed_date, shift_timestamps=True)
    rewrite_feeds(s3, feed_date, lambda header, rows: (header, [[*rows[0][:2], str(int(rows[0][2]) + 1),
                                                                 rows[0][3]], *rows[1:]]))
    return stores
