"""The volume guard's verdict: net size and churn against the recorded baseline, per consumer's bounds."""

from __future__ import annotations

import pytest

from top_items.activation.guard import check_volume
from top_items.activation.plan import ADD, CHANGE, KINDS, REMOVE, RESTAMP, Op, Plan
from top_items.registry import consumer

SF = consumer("salesforce")  # net 0.5x..3.0x, churn at most 0.75x


def plan(rows: int, **counts: int) -> Plan:
    made = Plan(rows=rows)
    for kind in KINDS:
        made.ops[kind] = [Op(kind, f"{kind}{i}", None, None) for i in range(counts.get(kind, 0))]
    return made


class TestVerdict:
    @pytest.mark.parametrize(("rows", "counts", "allowed"), [
        (100, {}, True),  # an unchanged day
        (100, {RESTAMP: 100}, True),  # every stamp moves: never churn
        (100, {ADD: 20, CHANGE: 30, REMOVE: 20}, True),  # 0.70x churn
        (100, {ADD: 50, REMOVE: 50}, False),  # half of every list replaced at a constant total
        (100, {CHANGE: 80}, False),  # 0.80x of the records rewritten
        (290, {ADD: 190}, False),  # within the net bound, but 1.90x churn
        (40, {REMOVE: 60}, False),  # 0.40x: a drop
        (350, {ADD: 250}, False),  # 3.50x: a jump
    ], ids=["unchanged", "restamps", "normal", "half_replaced", "rewritten", "growth_is_churn", "drop", "jump"])
    def test_against_a_baseline_of_100(self, rows, counts, allowed):
        verdict = check_volume(SF, plan(rows, **{k: counts.get(k, 0) for k in KINDS}), 100)
        assert verdict.allowed == allowed, verdict.message
        assert verdict.baseline == 100 and verdict.after == rows

    @pytest.mark.parametrize("baseline", [None, 0])
    def test_a_first_sync_has_no_baseline(self, baseline):
        verdict = check_volume(SF, plan(10_000, add=10_000), baseline)
        assert verdict.allowed and verdict.baseline is None and "first sync" in verdict.message

    def test_an_override_allows_and_says_why(self):
        verdict = check_volume(SF, plan(100, add=50, remove=50), 100, overridden=True)
        assert verdict.allowed and "pushed anyway" in verdict.message and "salesforce" in verdict.message

    def test_a_blocked_verdict_names_both_measures_and_the_way_out(self):
        message = check_volume(SF, plan(100, add=50, remove=50), 100).message
        assert "1.00x the 100 held" in message and "churn 100 records, 1.00x" in message
        assert 'override_volume_guard=["salesforce"]' in message
