"""Promotion tiers: every consumer has earned the tier consumers.yml gives it, and promoting one that has not
been hardened fails here, so such a pull request cannot merge."""

from __future__ import annotations

import dataclasses

import pytest

from top_items import readiness
from top_items.alert_routes import DELIVERED, FAILED, ROUTES
from top_items.registry import TIERS, consumers


class Deliveries:
    """A warehouse connection that holds only ops.alert_deliveries: (route, recipient) -> outcomes, oldest first."""

    def __init__(self, outcomes: dict[tuple[str, str], list[str]]):
        self.outcomes = outcomes

    def execute(self, sql: str, params: tuple = ()):
        if "to_regclass" in sql:
            return Rows([("ops.alert_deliveries",)])
        assert "from ops.alert_deliveries" in sql and "order by delivery_id desc limit 1" in sql, sql
        found = self.outcomes.get(tuple(params), [])
        return Rows([(found[-1],)] if found else [])


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None


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
        evidence = {"last push planned and guarded", "alert route"}
        assert {req: met for req, met in assessed.items() if req in evidence} == dict.fromkeys(evidence)
        assert all(met for req, met in assessed.items() if req not in evidence)

    @pytest.mark.parametrize(("deliveries", "met"), [
        ([], False),
        ([DELIVERED], True),
        ([DELIVERED, FAILED], False),
        ([FAILED, DELIVERED], True),
    ], ids=["never_delivered", "delivered", "last_one_failed", "delivered_again"])
    def test_the_alert_route_is_met_by_the_routes_last_delivery_to_the_owner(self, deliveries, met):
        crm = consumers()["crm"]
        conn = Deliveries({(crm.alert_route, crm.owner): deliveries})
        assert readiness.assess(crm, conn)["alert route"] is met

    def test_a_delivery_to_someone_else_or_on_another_route_is_no_evidence(self):
        crm = consumers()["crm"]
        other_route = next(route for route in ROUTES if route != crm.alert_route)
        conn = Deliveries({(crm.alert_route, "someone-else@example.com"): [DELIVERED],
                           (other_route, crm.owner): [DELIVERED]})
        assert readiness.assess(crm, conn)["alert route"] is False

    def test_an_unknown_tier_is_refused(self):
        with pytest.raises(ValueError, match="tier must be one of"):
            readiness.required("gold")
