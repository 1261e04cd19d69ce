"""An S3 event notification read into what landed: feeds and snapshots by their keys, everything else skipped."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from urllib.parse import quote_plus

import pytest

from top_items import settings
from top_items.landing import announce, events

D = "2026-11-25"


def message(*keys: str, event: str = "ObjectCreated:Put", etag: str = "e1") -> str:
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": "2026-11-25T06:01:02.000Z", "eventName": event,
        "s3": {"bucket": {"name": settings.LANDING_BUCKET},
               "object": {"key": quote_plus(key), "size": 42, "eTag": etag, "sequencer": "0055AED6DCD90281E5"}}}
        for key in keys]})


def test_a_feed_key_is_a_feed_of_its_feed_date():
    [landing] = events.parse(message(settings.feed_key(D, "S 01")))  # S3 encodes the key: the space comes back
    assert landing == events.Landing(bucket=settings.LANDING_BUCKET, key=settings.feed_key(D, "S 01"), etag="e1",
                                     size=42, event_time="2026-11-25T06:01:02.000Z", kind=events.FEED, day=D,
                                     sequencer="0055AED6DCD90281E5", store_id="S 01")


@pytest.mark.parametrize("table", settings.REFERENCE_TABLES)
def test_a_reference_key_is_a_snapshot_of_its_snapshot_date(table):
    [landing] = events.parse(message(settings.reference_key(table, "2026-11-20")))
    assert (landing.kind, landing.day, landing.store_id) == (events.REFERENCE, "2026-11-20", None)


@pytest.mark.parametrize("key", [
    f"{settings.feed_prefix(D)}notes.txt",                 # not a store's file
    f"{settings.FEED_PREFIX}/feed_date=yesterday/store_id=S1.csv",
    f"{settings.feed_prefix(D)}nested/store_id=S1.csv",
    settings.reference_key("stores", "2026-11-20").replace("stores.csv", "skus.csv"),  # a table in another's folder
    settings.reference_key("promotions", "2026-11-20"),  # not a reference table
    "elsewhere/store_id=S1.csv",
])
def test_an_unknown_key_is_skipped_with_a_log_line(key, caplog):
    with caplog.at_level(logging.WARNING, logger=events.__name__):
        assert events.parse(message(key)) == []
    assert key in caplog.text


def test_the_test_event_and_other_event_kinds_land_nothing(caplog):
    test_event = json.dumps({"Service": "Amazon S3", "Event": events.TEST_EVENT, "Time": "2026-11-25T06:00:00Z",
                             "Bucket": settings.LANDING_BUCKET})
    with caplog.at_level(logging.INFO, logger=events.__name__):
        assert events.parse(test_event) == []
        assert events.parse(message(settings.feed_key(D, "S1"), event="ObjectRemoved:Delete")) == []
    assert "test event" in caplog.text and "ObjectRemoved:Delete" in caplog.text


def test_one_message_may_hold_several_records_and_batches_hold_messages():
    first, second = settings.feed_key(D, "S1"), settings.feed_key(D, "S2")
    batches = [[{"Body": message(first, second)}], [{"Body": message(first)}]]
    assert [landing.key for landing in events.from_batches(batches)] == [first, second, first]


def test_only_the_watchers_successful_events_are_read():
    delivered = [SimpleNamespace(extra={"from_trigger": True, "payload": {"status": "success",
                                                                        "message_batch": [{"Body": "{}"}]}}),
                 SimpleNamespace(extra={"from_trigger": True, "payload": {"status": "failed"}}),
                 SimpleNamespace(extra={})]  # an event someone posted by hand, with no batch
    assert announce.batches(delivered) == [[{"Body": "{}"}]]


def test_a_day_becomes_a_partition_and_no_day_emits_nothing():
    outlet = SimpleNamespace(keys=[], add_partitions=lambda days: outlet.keys.extend(days))
    assert announce.partitions(outlet, [D, "2026-11-26"]) and outlet.keys == [D, "2026-11-26"]
    assert not announce.partitions(outlet, []) and outlet.keys == [D, "2026-11-26"]
