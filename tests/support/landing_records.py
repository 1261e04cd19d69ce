"""The landing side's records by hand: a stores snapshot in force, and landings recorded as the watcher would."""

from __future__ import annotations

from dataclasses import replace

from top_items import settings
from top_items.landing import events, record


def snapshot(conn, snapshot_date: str, stores: list[str]) -> None:
    conn.execute("insert into raw.snapshots (table_name, snapshot_date, source_file, checksum_sha256, row_count) "
                 "values ('stores', %s, 'stores.csv', 'x', %s)", (snapshot_date, len(stores)))
    for store in stores:
        conn.execute("insert into raw.stores (snapshot_date, store_id, store_name, market_id, license_type, "
                     "source_file) values (%s, %s, %s, 'M01', 'beer_wine', 'stores.csv')", (snapshot_date, store,
                                                                                            store))


def land(conn, stores: list[str], day: str, etag: str = "e1") -> list[events.Landing]:
    """Feeds of ``stores`` for ``day``; the ones that were new."""
    base = events.Landing(bucket=settings.LANDING_BUCKET, key="", etag=etag, size=1,
                          event_time=f"{day}T06:00:00Z", kind=events.FEED, day=day, sequencer=None)
    return record.record(conn, [replace(base, key=settings.feed_key(day, store), store_id=store) for store in stores])


def land_references(conn, day: str, tables=settings.REFERENCE_TABLES) -> None:
    base = events.Landing(bucket=settings.LANDING_BUCKET, key="", etag="e1", size=1,
                          event_time=f"{day}T01:00:00Z", kind=events.REFERENCE, day=day, sequencer=None)
    record.record(conn, [replace(base, key=settings.reference_key(table, day)) for table in tables])
