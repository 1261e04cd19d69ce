"""ops.landings holds each landed object once: a message delivered twice, or late, records nothing new."""

from __future__ import annotations

from dataclasses import replace

import pytest

from top_items import settings
from top_items.landing import events, record

D = "2026-11-25"
FEED = events.Landing(bucket=settings.LANDING_BUCKET, key=settings.feed_key(D, "S1"), etag="e1", size=42,
                      event_time="2026-11-25T06:01:02.000Z", kind=events.FEED, day=D, sequencer=None,
                      store_id="S1")
SNAPSHOT = replace(FEED, key=settings.reference_key("stores", "2026-11-20"), kind=events.REFERENCE,
                   day="2026-11-20", store_id=None)


def rows(conn):
    return conn.execute("select key, etag, kind, day::text, store_id, size_bytes from ops.landings "
                        "order by key, etag").fetchall()


def test_each_object_is_recorded_once_and_only_new_ones_are_returned(warehouse):
    assert record.record(warehouse, [FEED, SNAPSHOT, FEED]) == [FEED, SNAPSHOT]  # twice in one batch
    assert record.record(warehouse, [SNAPSHOT]) == []  # delivered again later
    assert rows(warehouse) == [(FEED.key, "e1", "feed", D, "S1", 42),
                               (SNAPSHOT.key, "e1", "reference", "2026-11-20", None, 42)]


def test_a_rewritten_object_is_a_new_landing_and_its_late_first_message_changes_nothing(warehouse):
    rewritten = replace(FEED, etag="e2", event_time="2026-11-25T07:00:00.000Z")
    assert record.record(warehouse, [rewritten]) == [rewritten]
    assert record.record(warehouse, [FEED]) == [FEED]  # the first version's message, late: recorded as it was
    assert record.record(warehouse, [FEED, rewritten]) == []
    assert [etag for _, etag, *_ in rows(warehouse)] == ["e1", "e2"]


def test_days_are_per_kind_and_distinct():
    other = replace(FEED, key=settings.feed_key("2026-11-24", "S1"), day="2026-11-24")
    assert record.days([FEED, other, replace(FEED, etag="e2"), SNAPSHOT], events.FEED) == ["2026-11-24", D]
    assert record.days([FEED], events.REFERENCE) == []


def test_a_landing_before_any_pipeline_run_sets_the_warehouse_up_first(warehouse, monkeypatch):
    warehouse.execute("drop schema ops cascade")
    record.ensure_table(warehouse)
    assert record.record(warehouse, [FEED]) == [FEED]
    monkeypatch.setattr(record, "ensure_schemas", lambda conn: pytest.fail("the setup ran again"))
    record.ensure_table(warehouse)  # there already: the setup's DDL is not run again
    assert rows(warehouse) == [(FEED.key, "e1", "feed", D, "S1", 42)]
