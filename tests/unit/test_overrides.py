"""Overrides as data: what is refused, and the state an override is in on a day (pure logic)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from top_items.override_notices import alert
from top_items.overrides import Override, refusals, state

D = date(2026, 11, 25)
GOOD = Override("am-recall-K1", "suppress", "K1", owner="sales-ops@example.com", reason="recall", created=D,
                expires=date(2026, 12, 25), market_id="M01")


def test_a_complete_override_is_accepted():
    assert refusals(GOOD) == []


@pytest.mark.parametrize(("change", "refusal"), [
    ({"owner": None}, "an owner is required"),
    ({"owner": "  "}, "an owner is required"),
    ({"expires": None}, "an expiry date is required"),
    ({"reason": ""}, "a reason is required"),
    ({"expires": D}, "must be after created"),
    ({"store_id": "S1"}, "exactly one scope"),
    ({"market_id": None}, "exactly one scope"),
    ({"rule": "boost"}, "rule must be one of"),
    ({"override_id": "has space"}, "an id is required"),
])
def test_an_override_without_an_owner_an_expiry_or_one_scope_is_refused(change, refusal):
    problems = refusals(replace(GOOD, **change))
    assert any(refusal in problem for problem in problems), problems


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 24), "scheduled"),  # before created: not yet
    (D, "active"),
    (date(2026, 12, 10), "active"),  # 15 days left
    (date(2026, 12, 11), "expiring"),  # 14 days left: the owner is warned
    (date(2026, 12, 24), "expiring"),  # its last day
    (date(2026, 12, 25), "expired"),  # expires is the first day it no longer applies
    (date(2027, 3, 1), "expired"),
])
def test_the_state_on_a_day_depends_on_that_day_only(day, expected):
    assert state(GOOD, day, warning_days=14) == expected


def test_the_warning_window_is_a_parameter():
    assert state(GOOD, date(2026, 12, 10), warning_days=15) == "expiring"
    assert state(GOOD, date(2026, 12, 24), warning_days=0) == "active"


def test_a_notice_names_the_override_its_owner_and_carries_a_dedup_key_per_override_and_kind():
    expiring, expired = alert(GOOD, "expiring", "2026-12-11", "r1"), alert(GOOD, "expired", "2026-12-25", "r2")
    assert expiring["owner"] == expired["owner"] == "sales-ops@example.com"
    assert "am-recall-K1" in expiring["summary"] and "expires on 2026-12-25" in expiring["summary"]
    assert "no longer applies" in expired["summary"]
    assert expiring["dedup_key"] != expired["dedup_key"]
    assert expired["dedup_key"] == alert(GOOD, "expired", "2026-12-26", "r3")["dedup_key"]
