"""Promotion tiers: every consumer has earned the tier consumers.yml gives it, and promoting one that has not
been hardened fails here, so such a pull request cannot merge."""

from __future__ import annotations

import dataclasses

import pytest

from top_items import readiness
from top_items.registry import TIERS, consumers


def test_every_consumer_has_earned_its_tier():
    assert readiness.unearned() == {}


@pytest.mark.parametrize("name", list(consumers()))
def test_each_tier_asks_for_everything_the_tier_below_asks_for(name):
    for lower, higher in zip(TIERS, TIERS[1:], strict=False):
        assert {r.name for r in readiness.required(lower)} < {r.name for r in readiness.required(higher)}


class TestPromotion:
    def _as(self, name: str, **changes):
        return dataclasses.replace(consumers()[name], **changes)

    def test_promoting_a_consumer_that_tolerates_rejected_rows_to_production_is_refused(self):
        salesforce = self._as("salesforce", tier="production")
        missing = [req for req, met in readiness.assess(salesforce).items() if met is False]
        assert "0 rejected rows" in missing

    @pytest.mark.parametrize(("changes", "requirement"), [
        ({"volume_guard": None}, "volume guard"),
        ({"alert_route": None}, "alert route"),
        ({"owner": ""}, "owner"),
    ], ids=["no_guard", "no_alert_route", "no_owner"])
    def test_an_external_consumer_without_its_hardening_is_refused(self, changes, requirement):
        crm = self._as("crm", **changes)
        assert readiness.assess(crm)[requirement] is False

    def test_evidence_from_the_warehouse_is_unknown_without_one(self):
        assessed = readiness.assess(consumers()["retailer_app"])
        assert assessed["last push planned and guarded"] is None
        assert all(met for req, met in assessed.items() if req != "last push planned and guarded")

    def test_an_unknown_tier_is_refused(self):
        with pytest.raises(ValueError, match="tier must be one of"):
            readiness.required("gold")
