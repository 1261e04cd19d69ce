"""The demo's stakeholders pick their stories from what the app showed: three stores, different markets, no overlap."""

from __future__ import annotations

from sandbox.simulate.last_mile import demo_cast, demo_feedback, demo_overrides
from top_items.overrides import refusals

STORES = {"S1": ["A", "B", "C"], "S2": ["A", "B"], "S3": ["B", "A", "C"], "S4": ["A", "C"], "S5": ["D"]}
MARKETS = {"S1": "M1", "S2": "M1", "S3": "M2", "S4": "M3", "S5": "M4"}


def test_the_cast_comes_from_different_markets_and_has_lists_to_act_on():
    assert demo_cast(STORES, MARKETS) == ["S1", "S3", "S4"]


def test_the_overrides_are_complete_and_the_feedback_touches_a_sku_no_override_does():
    made = demo_overrides(STORES, MARKETS, "2026-11-25")
    assert [refusals(o) for o in made] == [[], []]
    assert [(o.sku_id, o.scope) for o in made] == [("A", "market M1"), ("A", "store S3")]
    assert demo_feedback(STORES, MARKETS) == [("S4", "C", "seasonal")]
