"""Retry with backoff that honours what the server says: ``Retry-After`` first, then rate-limit headers.

Shared by every destination: :func:`call` retries one API call; :func:`server_delay` reads a response's
headers; :class:`CountingRetry` is the urllib3 ``Retry`` for clients that retry inside (hubspot-api-client),
counting every real attempt so ``api_calls`` stays honest.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from urllib3.util.retry import Retry

from top_items.activation.errors import DestinationUnavailable, RetryLater

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Policy:
    attempts: int = 6  # total tries, the first included
    base_seconds: float = 0.25
    max_seconds: float = 30.0

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Exponential with full jitter in [0.5, 1.0] of the step: attempt 1 -> ~base, 2 -> ~2*base, ..."""
        step = min(self.max_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return step * (0.5 + rng() / 2)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return None if value is None else str(value).strip()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None or value == "":
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def rate_limit_delay(headers: Mapping[str, str] | None) -> float | None:
    """HubSpot's ``X-HubSpot-RateLimit-*``: when the window is spent, wait one interval; else None."""
    remaining = _header(headers, "X-HubSpot-RateLimit-Remaining")
    interval = _header(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
    try:
        if remaining is not None and int(remaining) <= 0 and interval is not None:
            return max(0.0, int(interval) / 1000.0)
    except ValueError:
        return None
    return None


def server_delay(headers: Mapping[str, str] | None, now: datetime | None = None) -> float | None:
    """How long the server asked us to wait, if it said so: Retry-After, else the rate-limit window."""
    after = parse_retry_after(_header(headers, "Retry-After"), now)
    return after if after is not None else rate_limit_delay(headers)


def sforce_usage(headers: Mapping[str, str] | None) -> tuple[int, int] | None:
    """``Sforce-Limit-Info: api-usage=used/max`` -> (used, max)."""
    value = _header(headers, "Sforce-Limit-Info")
    if not value or "api-usage=" not in value:
        return None
    try:
        used, limit = value.split("api-usage=", 1)[1].split(",", 1)[0].split("/")
        return int(used), int(limit)
    except ValueError:
        return None


def call(fn: Callable[[], T], classify: Callable[[BaseException], RetryLater | None], policy: Policy, *,
         what: str, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``fn``; when ``classify(exc)`` returns a :class:`RetryLater`, wait and try again.

    The wait is the server's (Retry-After / rate-limit headers, capped at ``max_seconds``) or the policy's
    backoff. Anything ``classify`` does not call retryable propagates at once. After ``policy.attempts``
    tries, :class:`DestinationUnavailable` is raised from the last error.
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except Exception as exc:
            retry = classify(exc)
            if retry is None:
                raise
            if attempt == policy.attempts:
                raise DestinationUnavailable(f"{what}: gave up after {attempt} attempts; last error: {retry.reason}") \
                    from exc
            delay = min(policy.max_seconds, retry.delay) if retry.delay is not None else policy.backoff(attempt)
            log.warning("%s: %s; retry %d/%d in %.2fs", what, retry.reason, attempt, policy.attempts - 1, delay)
            sleep(delay)
    raise AssertionError("unreachable")


class CallCounter:
    def __init__(self) -> None:
        self.retries = 0


class CountingRetry(Retry):
    """urllib3 ``Retry`` that counts every retried attempt in a shared :class:`CallCounter`."""

    def __init__(self, *args, counter: CallCounter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.counter = counter if counter is not None else CallCounter()

    def new(self, **kw):
        fresh = super().new(**kw)
        fresh.counter = self.counter
        return fresh

    def increment(self, *args, **kwargs):
        self.counter.retries += 1
        return super().increment(*args, **kwargs)


def urllib3_retry(policy: Policy, counter: CallCounter) -> CountingRetry:
    """Retries POST too (``allowed_methods=None``), on 429/5xx and dropped connections, honouring Retry-After.

    ``raise_on_status=False``: when retries run out the client sees the last response and raises its own
    error (with status and headers) instead of urllib3's MaxRetryError.
    """
    return CountingRetry(total=policy.attempts - 1, connect=policy.attempts - 1, read=policy.attempts - 1,
                         status=policy.attempts - 1, other=0, status_forcelist=RETRY_STATUSES,
                         allowed_methods=None, respect_retry_after_header=True,
                         backoff_factor=policy.base_seconds, backoff_max=policy.max_seconds,
                         raise_on_status=False, counter=counter)
