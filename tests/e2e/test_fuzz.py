"""The fuzzer's small fixed set: three stories that keep every total normal, each run whole against the clean day.

Stale stock re-sent with a nudge, stores moved to another market, SKU ids renumbered everywhere: none may reach a
consumer (missed), and the alert or the summary must name the cause. ``make fuzz`` runs every operator.
"""

from __future__ import annotations

import pytest

from sandbox.fuzz.run import MISSED, Fuzzer, Mutant
from sandbox.simulate.catalog import WorldSpec

SMALL_SET = [
    Mutant((("stale_copy_with_noise", 0.5),), seed=11),
    Mutant((("reassign_attribute", 0.2),), seed=12),
    Mutant((("renumber_keys", 1.0),), seed=13),
]


@pytest.fixture(scope="module")
def fuzzer(world, airflow_db):
    return Fuzzer(world, WorldSpec(stores=12, skus=120, days=90), "2026-11-25")


@pytest.mark.parametrize("mutant", SMALL_SET, ids=lambda mutant: mutant.label)
def test_a_fault_that_keeps_its_totals_is_not_missed_and_is_named(fuzzer, mutant):
    verdict = fuzzer.judge(mutant)
    assert verdict.outcome != MISSED, (verdict.differing, verdict.alerts)
    assert verdict.named, (verdict.outcome, verdict.alerts)
