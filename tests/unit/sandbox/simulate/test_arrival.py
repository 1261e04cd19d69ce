"""A day landed over time: the reference sync first, the stores spread out, stragglers after a pause, and the
held-back stores landed only when the caller says."""

from __future__ import annotations

from datetime import date

from sandbox.simulate.arrival import arrive
from sandbox.simulate.catalog import WorldSpec
from top_items import settings

SPEC = WorldSpec(stores=12, skus=40, days=20)
D = date(2026, 11, 25)


class Bucket:
    """put_object, list and delete, recording each put and the sleep before it."""

    def __init__(self):
        self.puts: list[tuple[str, float]] = []
        self.waited = 0.0

    def put_object(self, Bucket, Key, Body, ContentType):  # noqa: N803 (boto3's names)
        self.puts.append((Key, self.waited))

    def sleep(self, seconds: float) -> None:
        self.waited += seconds

    def get_paginator(self, _):
        return self

    def paginate(self, **_):
        return [{}]


def feeds(keys):
    return [key for key in keys if key.startswith(settings.FEED_PREFIX + "/")]


def test_the_reference_sync_lands_first_and_the_stores_spread_over_the_time_given():
    bucket = Bucket()
    arrival = arrive(bucket, SPEC, D, over_seconds=60, stragglers=2, sleep=bucket.sleep)
    keys = [key for key, _ in bucket.puts]
    assert keys[:3] == [settings.reference_key(table, D.isoformat()) for table in ("stores", "skus", "order_lines")]
    assert len(feeds(keys)) == SPEC.stores and arrival.landed == keys
    assert 55 <= bucket.waited <= 61
    times = [at for key, at in bucket.puts if key in feeds(keys)]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) >= 0.2 * 60 > 2 * min(gaps)  # one long pause, before the stragglers


def test_held_back_stores_land_only_when_the_caller_lands_them():
    bucket = Bucket()
    arrival = arrive(bucket, SPEC, D, over_seconds=10, held_back=2, sleep=bucket.sleep)
    assert len(arrival.held_back) == 2 and not set(arrival.held_back) & set(arrival.landed)
    assert len(feeds(arrival.landed)) == SPEC.stores - 2
    assert arrival.land_held_back(bucket) == list(arrival.held_back)
    assert [key for key, _ in bucket.puts[-2:]] == list(arrival.held_back)


def test_the_order_is_seeded():
    first, second = Bucket(), Bucket()
    arrive(first, SPEC, D, over_seconds=1, sleep=first.sleep)
    arrive(second, SPEC, D, over_seconds=1, sleep=second.sleep)
    assert first.puts == second.puts
    other = Bucket()
    arrive(other, WorldSpec(stores=12, skus=40, days=20, seed=7), D, over_seconds=1, sleep=other.sleep)
    assert feeds([k for k, _ in other.puts]) != feeds([k for k, _ in first.puts])
