"""Outcome and level mapping, threshold text and the pager message: pure functions on plain values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from top_items.quality.outcomes import (
    CheckRecord,
    check_level,
    failure_message,
    format_number,
    format_threshold,
    history_metric,
    map_outcome,
    threshold_text,
)


def threshold(level="fail", **comparisons):
    fields = dict.fromkeys(("must_be", "must_not_be", "must_be_greater_than", "must_be_greater_than_or_equal",
                            "must_be_less_than", "must_be_less_than_or_equal"))
    fields.update(comparisons)
    return SimpleNamespace(level=level, **fields)


@pytest.mark.parametrize("soda, kwargs, ours", [
    ("PASSED", {}, "pass"),
    ("WARN", {}, "warn"),
    ("FAILED", {}, "fail"),
    ("FAILED", {"level": "warn"}, "warn"),
    ("NOT_EVALUATED", {}, "not_evaluated"),
    ("NOT_EVALUATED", {"contract_errored": True}, "error"),
    ("NOT_EVALUATED", {"history_without_baseline": True}, "no_history"),
    ("NOT_EVALUATED", {"contract_errored": True, "history_without_baseline": True}, "error"),
    ("EXCLUDED", {}, "not_evaluated"),
    ("SOMETHING_NEW", {}, "not_evaluated"),
    ("PASSED", {"contract_errored": True}, "pass"),  # the contract's own error record fails the gate
])
def test_soda_outcomes_map_to_ours_and_only_proven_checks_pass(soda, kwargs, ours):
    assert map_outcome(soda, **kwargs) == ours
    assert map_outcome(SimpleNamespace(name=soda), **kwargs) == ours  # Soda's enum works too


@pytest.mark.parametrize("outcome, failing", [("pass", False), ("warn", False), ("no_history", False),
                                              ("fail", True), ("not_evaluated", True), ("error", True)])
def test_what_fails_a_gate(outcome, failing):
    assert CheckRecord("raw", "raw.x", "c", "fail", outcome).failing is failing


def test_records_refuse_unknown_levels_and_outcomes():
    with pytest.raises(ValueError):
        CheckRecord("raw", "raw.x", "c", "critical", "pass")
    with pytest.raises(ValueError):
        CheckRecord("raw", "raw.x", "c", "fail", "passed")


def test_threshold_text():
    assert format_threshold(threshold(must_be=0)) == "= 0"
    assert format_threshold(threshold(must_be_greater_than_or_equal=-20, must_be_less_than_or_equal=20.0)) == \
        ">= -20 and <= 20"
    assert format_threshold(threshold()) is None and format_threshold(None) is None
    assert threshold_text(threshold(must_be_less_than_or_equal=5), threshold("warn", must_be_less_than_or_equal=2)) == \
        "must be <= 5; warn unless <= 2"
    assert threshold_text(threshold("warn", must_be=0)) == "warn unless = 0"
    assert threshold_text(None) is None


def test_levels():
    assert check_level(threshold(must_be=0)) == "fail"
    assert check_level(threshold("warn", must_be=0)) == "warn"
    assert check_level(threshold(SimpleNamespace(value="warn"), must_be=0)) == "warn"  # Soda's enum
    assert check_level(threshold(must_be=0), threshold("warn", must_be=1)) == "fail"
    assert check_level(None) == "fail"


def test_history_metric_from_the_qualifier():
    assert history_metric("history-row_count") == "row_count"
    assert history_metric("history-") is None and history_metric("quarantined-share") is None
    assert history_metric(None) is None


def test_numbers_read_well():
    assert [format_number(v) for v in (1.0, -30.0, 0.125, None, 2819)] == ["1", "-30", "0.125", "none", "2819"]


def test_the_pager_message_names_dataset_check_measured_value_and_threshold():
    records = [
        CheckRecord("raw", "raw.inventory_feed", "rows vs normal (%)", "fail", "fail", -30.0,
                    "must be >= -20 and <= 20"),
        CheckRecord("raw", "raw.inventory_feed", "stores without a feed", "warn", "warn", 1.0, "warn unless = 0"),
        CheckRecord("raw", "raw.skus", "contract verification", "fail", "error",
                    detail='relation "raw.skus"\n   does not exist'),
    ]

    message = failure_message("raw", "2026-11-25", records)

    assert message.splitlines() == [
        "data-quality gate 'raw' failed for feed date 2026-11-25: 2 check(s) failed",
        "- raw.inventory_feed: rows vs normal (%) [fail] measured -30, threshold must be >= -20 and <= 20",
        '- raw.skus: contract verification [error] measured none, threshold none (relation "raw.skus" does not exist)',
    ]


def test_the_results_table_accepts_exactly_the_outcomes_and_levels_the_gate_writes():
    import re

    from top_items.quality.outcomes import LEVELS, OUTCOMES
    from top_items.settings import SQL_DIR

    ddl = (SQL_DIR / "ops" / "quality.sql").read_text()

    def allowed(column: str) -> tuple[str, ...]:
        values = re.search(rf"{column}\s+text not null check \({column} in \(([^)]*)\)\)", ddl).group(1)
        return tuple(value.strip().strip("'") for value in values.split(","))

    assert allowed("outcome") == OUTCOMES
    assert allowed("level") == LEVELS
