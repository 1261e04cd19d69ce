"""The fuzzer's arithmetic: how mutants are tallied per operator and intensity, and what counts as named."""

from __future__ import annotations

from sandbox.fuzz.operators import CAUSES, OPERATORS
from sandbox.fuzz.report import named_share, normal_days, table, tally
from sandbox.fuzz.run import ABSORBED, CONTAINED, MISSED, STOPPED, Mutant, Verdict, mutants


def verdict(label: tuple, outcome: str, named: bool = False) -> Verdict:
    return Verdict(Mutant(label, seed=1), outcome, named, [])


def test_every_operator_declares_its_causes_and_the_issue_asks_for_twelve():
    assert set(OPERATORS) == set(CAUSES) and len(OPERATORS) >= 12
    assert all(CAUSES[name] for name in OPERATORS)


def test_mutants_are_every_operator_at_every_intensity_then_seeded_pairs():
    first, again = mutants(7, (0.1, 1.0), 3), mutants(7, (0.1, 1.0), 3)
    assert first == again  # seeded: the same run twice
    assert len(first) == len(OPERATORS) * 2 + 3
    assert all(len(m.faults) == 2 for m in first[-3:]) and mutants(8, (0.1, 1.0), 3)[-1] != first[-1]


def test_tally_counts_each_outcome_and_pairs_apart():
    verdicts = [verdict((("a", 0.5),), STOPPED, True), verdict((("a", 0.5),), MISSED),
                verdict((("a", 0.5), ("b", 1.0)), CONTAINED, False), verdict((("b", 1.0),), ABSORBED)]
    rows = tally(verdicts)
    assert rows["a@0.5"] == {"mutants": 2, "absorbed": 0, "contained": 0, "stopped": 1, "missed": 1, "named": 1}
    assert rows["pairs"]["contained"] == 1 and rows["b@1"]["absorbed"] == 1
    assert named_share(verdicts) == 0.5  # of the contained or stopped ones only
    assert "MISSED a@0.5" in table(verdicts)


def test_a_page_on_a_normal_day_is_a_false_alarm():
    warned = ["warn: raw.skus rows vs normal = 3.1 (threshold -2..2)", "warn: raw.stores rows vs normal = 2.5"]
    text = normal_days([("2026-11-01", "success", 0, warned), ("2026-11-02", "success", 1, warned[:1]),
                        ("2026-11-03", "failed", 0, [])])
    assert text.startswith("3 normal days: 2 with a page or a failed run (false alarms), 3 warnings in all")
    assert "2 x warn: raw.skus rows vs normal" in text and "1 x warn: raw.stores rows vs normal" in text
    assert "false alarm 2026-11-02" in text and "false alarm 2026-11-03" in text
