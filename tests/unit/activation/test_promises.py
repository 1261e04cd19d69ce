"""Freshness promises as consumers.yml writes them: daily or weekly, the instant each falls due and the day it is
about, and a promise that cannot be read is refused with what it must look like."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from top_items.activation.promises import Promise, parse, promises


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_a_daily_promise_falls_due_each_morning_for_the_day_before():
    promise = parse("retailer_app", "06:00")
    assert (promise.text(), promise.cron()) == ("daily by 06:00 UTC", "0 6 * * *")
    assert promise.last_due(at("2026-11-26T06:00:00")) == at("2026-11-26T06:00:00")
    assert promise.last_due(at("2026-11-26T05:59:00")) == at("2026-11-25T06:00:00")
    assert Promise.day(at("2026-11-26T06:00:00")) == "2026-11-25"


def test_a_weekly_promise_falls_due_on_its_weekday_for_the_day_before():
    promise = parse("crm", "Monday 07:00")
    assert (promise.text(), promise.cron()) == ("Mondays by 07:00 UTC", "0 7 * * 1")
    monday = at("2026-11-30T07:00:00")
    assert promise.last_due(at("2026-12-03T12:00:00")) == monday  # a Thursday: still last Monday's
    assert promise.last_due(at("2026-11-30T06:59:00")) == at("2026-11-23T07:00:00")
    assert Promise.day(monday) == "2026-11-29"  # the Sunday before


@pytest.mark.parametrize("text", ["6", "25:00", "someday 07:00", "monday tuesday 07:00", ""])
def test_a_promise_that_cannot_be_read_is_refused(text):
    with pytest.raises(ValueError, match="fresh_by must be"):
        parse("retailer_app", text)


def test_every_consumer_declares_a_promise():
    from top_items.registry import consumers

    assert {promise.consumer for promise in promises()} == set(consumers())
