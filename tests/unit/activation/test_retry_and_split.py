"""Backoff that honours Retry-After / X-HubSpot-RateLimit-*, and splitting of whole-batch rejections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from top_items.activation.destinations import retry
from top_items.activation.engine import push_splitting
from top_items.activation.errors import BatchRejected, DestinationUnavailable, RetryLater
from top_items.activation.plan import Op, Outcome

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


def test_parse_retry_after_seconds_and_http_dates():
    assert retry.parse_retry_after("3") == 3.0
    assert retry.parse_retry_after("0.5") == 0.5
    assert retry.parse_retry_after("Thu, 26 Nov 2026 12:00:07 GMT", NOW) == 7.0
    assert retry.parse_retry_after("Thu, 26 Nov 2026 11:59:00 GMT", NOW) == 0.0  # in the past: go now
    assert retry.parse_retry_after("soon") is None and retry.parse_retry_after(None) is None


def test_hubspot_rate_limit_headers():
    spent = {"X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    assert retry.rate_limit_delay(spent) == 10.0
    assert retry.rate_limit_delay({**spent, "X-HubSpot-RateLimit-Remaining": "4"}) is None
    assert retry.server_delay({**spent, "Retry-After": "2"}) == 2.0  # Retry-After wins
    assert retry.server_delay({"x-hubspot-ratelimit-remaining": "0",
                               "x-hubspot-ratelimit-interval-milliseconds": "1500"}) == 1.5  # any case
    assert retry.server_delay({}) is None and retry.server_delay(None) is None
    assert retry.sforce_usage({"Sforce-Limit-Info": "api-usage=25/15000"}) == (25, 15000)


def test_backoff_grows_and_is_capped():
    policy = retry.Policy(attempts=8, base_seconds=0.5, max_seconds=4)
    assert [policy.backoff(n, rng=lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.backoff(1, rng=lambda: 0.0) == 0.25


def test_call_retries_with_the_servers_delay_then_gives_up():
    slept, attempts = [], []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("boom")
        return "ok"

    def classify(exc):
        return RetryLater("boom", 1.5) if isinstance(exc, ConnectionError) else None

    policy = retry.Policy(attempts=5, base_seconds=0.1, max_seconds=30)
    assert retry.call(flaky, classify, policy, what="t", sleep=slept.append) == "ok"
    assert slept == [1.5, 1.5]
    with pytest.raises(DestinationUnavailable, match="3 attempts"):
        retry.call(lambda: (_ for _ in ()).throw(ConnectionError("x")), classify,
                   retry.Policy(attempts=3, base_seconds=0.1, max_seconds=1), what="t", sleep=slept.append)
    assert slept[-2:] == [1.0, 1.0]  # the server's delay, capped at max_seconds
    with pytest.raises(ValueError):  # not retryable: at once
        retry.call(lambda: (_ for _ in ()).throw(ValueError("no")), classify, policy, what="t", sleep=slept.append)


def test_urllib3_retry_retries_post_and_counts_attempts():
    counter = retry.CallCounter()
    r = retry.urllib3_retry(retry.Policy(attempts=4), counter)
    assert r.allowed_methods is None and 429 in r.status_forcelist and r.respect_retry_after_header
    assert r.is_retry("POST", 503, has_retry_after=False)
    r2 = r.increment("POST", "/x")
    assert counter.retries == 1 and r2.counter is counter and r2.total == 2


def ops(n):
    return [Op("add", f"K{i}", {"k": i}, "h") for i in range(n)]


def test_a_batch_rejected_as_a_whole_is_split_until_the_bad_rows_stand_alone():
    calls = []

    def send(batch):
        calls.append(len(batch))
        if any(op.key == "K5" for op in batch):
            raise BatchRejected("one bad apple", "INVALID")
        return [Outcome(op, True, destination_id=op.key) for op in batch]

    outcomes = push_splitting(send, ops(8))
    assert [o.op.key for o in outcomes] == [f"K{i}" for i in range(8)]  # order kept
    assert [o.ok for o in outcomes] == [True] * 5 + [False] + [True] * 2
    assert outcomes[5].error_code == "INVALID"
    assert calls == [8, 4, 4, 2, 1, 1, 2]


@pytest.mark.parametrize("total", [2_000, 10_001, 250_000])
def test_a_large_salesforce_plan_is_one_bulk_job(total):
    from top_items.activation.destinations.salesforce import SalesforceDestination
    from top_items.registry import consumer

    spec = consumer("salesforce")
    destination = SalesforceDestination(spec)
    assert spec.bulk_threshold <= total
    assert destination.batch_size("upsert", total) == total  # the whole plan in one batch: one Bulk 2.0 job


def test_a_small_salesforce_plan_uses_composite_batches():
    from top_items.activation.destinations.salesforce import MAX_COLLECTION, SalesforceDestination
    from top_items.registry import consumer

    spec = consumer("salesforce")
    assert SalesforceDestination(spec).batch_size("upsert", spec.bulk_threshold - 1) == min(spec.batch_size,
                                                                                            MAX_COLLECTION)
