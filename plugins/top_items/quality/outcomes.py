"""Pure pieces of the gate: outcomes and levels, threshold text, one record per check, the pager message.

Nothing here talks to Soda or Postgres, so every rule is unit-tested on plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Number
from typing import Any

PASS, WARN, FAIL, NOT_EVALUATED, ERROR, NO_HISTORY = "pass", "warn", "fail", "not_evaluated", "error", "no_history"
OUTCOMES = (PASS, WARN, FAIL, NOT_EVALUATED, ERROR, NO_HISTORY)
FAILING = frozenset({FAIL, NOT_EVALUATED, ERROR})  # anything the gate could not prove good stops the run
LEVELS = ("fail", "warn")

# Comparisons of a Soda threshold, in the order they are written out.
_COMPARISONS = (
    ("must_be", "="),
    ("must_not_be", "!="),
    ("must_be_greater_than", ">"),
    ("must_be_greater_than_or_equal", ">="),
    ("must_be_less_than", "<"),
    ("must_be_less_than_or_equal", "<="),
)

HISTORY_QUALIFIER_PREFIX = "history-"
DRIFT_QUALIFIER_PREFIX = "drift-"
CAUSE_KEYS = 5  # keys an alert's first line names: enough to act on, short enough for a pager's summary
FEED_DATASET = "raw.inventory_feed"
INPUT_WORDS = {FEED_DATASET: "inventory feed", "raw.overrides": "overrides"}  # the rest are reference snapshots


@dataclass(frozen=True)
class Cause:
    """What a failing drift check found, as the alert's first line says it: the input, the measure, how many keys of
    how many, the first of them, and the measure's normal (None: no good day measured it yet)."""

    dataset: str
    feed_date: str
    measure: str
    count: int
    base: int
    unit: str
    keys: tuple[str, ...]
    normal: float | None = None

    @property
    def share(self) -> float:
        return self.count / self.base if self.base else 1.0

    def __str__(self) -> str:
        what = INPUT_WORDS.get(self.dataset, f"{self.dataset.split('.')[-1]} snapshot")
        keys = ", ".join(self.keys[:CAUSE_KEYS]) + (", ..." if self.count > CAUSE_KEYS else "")
        normal = "no normal learned yet" if self.normal is None else f"normally {format_number(self.normal)}%"
        return (f"{what} {self.feed_date}: {self.measure} for {self.count} of {self.base} {self.unit} ({keys}), "
                f"{normal}")


@dataclass(frozen=True)
class CheckRecord:
    """One check of one gate run, as it goes to ops.dq_results."""

    gate: str
    dataset: str
    check_name: str
    level: str  # fail | warn: what a breach of the check does
    outcome: str  # pass | warn | fail | not_evaluated | error | no_history
    measured_value: float | None = None
    threshold: str | None = None
    check_path: str | None = None
    detail: str | None = None
    cause: Cause | None = None  # a drift check's finding, in words (the alert's first line when it fails)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {self.outcome!r}")

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING


def format_number(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, Number):
        return str(value)
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.6g}"


def format_threshold(threshold: Any) -> str | None:
    """'>= -20 and <= 20' for an object with Soda's ``must_be_*`` attributes (None: no comparison)."""
    if threshold is None:
        return None
    parts = [f"{symbol} {format_number(getattr(threshold, attr))}"
             for attr, symbol in _COMPARISONS if getattr(threshold, attr, None) is not None]
    return " and ".join(parts) or None


def threshold_level(threshold: Any) -> str:
    """Soda's threshold level as ours: 'warn' only when it says so, else 'fail' (Soda's default)."""
    level = getattr(threshold, "level", None)
    level = getattr(level, "value", level)  # an enum or its string
    return "warn" if str(level or "fail").lower() == "warn" else "fail"


def threshold_text(threshold: Any, warn_threshold: Any = None) -> str | None:
    """The bound(s) a check holds the value to, as stored and paged: 'must be <= 5; warn unless <= 2'."""
    parts = []
    if threshold is not None and format_threshold(threshold):
        prefix = "warn unless" if threshold_level(threshold) == "warn" else "must be"
        parts.append(f"{prefix} {format_threshold(threshold)}")
    if warn_threshold is not None and format_threshold(warn_threshold):
        parts.append(f"warn unless {format_threshold(warn_threshold)}")
    return "; ".join(parts) or None


def check_level(threshold: Any, warn_threshold: Any = None) -> str:
    """A check fails the gate when its (primary) threshold is fail-level; a warn-only check never does."""
    if threshold is None:
        return "fail"
    return threshold_level(threshold)


def history_metric(qualifier: str | None) -> str | None:
    """'history-row_count' -> 'row_count': the contract's comparisons with a metric's normal."""
    return _after(qualifier, HISTORY_QUALIFIER_PREFIX)


def drift_metric(qualifier: str | None) -> str | None:
    """'drift-market_changed_pct' -> 'market_changed_pct': the contract's keyed comparisons with the last good state."""
    return _after(qualifier, DRIFT_QUALIFIER_PREFIX)


def _after(qualifier: str | None, prefix: str) -> str | None:
    if qualifier and qualifier.startswith(prefix):
        return qualifier[len(prefix):] or None
    return None


def map_outcome(soda_outcome: str, *, level: str = "fail", contract_errored: bool = False,
                history_without_baseline: bool = False) -> str:
    """Soda's CheckOutcome name -> ours. Only a check Soda proved good passes; anything unproven fails.

    - PASSED -> pass; WARN -> warn; FAILED -> fail (a warn-level check that Soda reports FAILED -> warn).
    - A comparison with the normal when no good day was seen yet -> no_history (it passes, and says so).
    - NOT_EVALUATED -> error when the contract verification logged errors (a missing table, a broken query),
      else not_evaluated.
    - EXCLUDED (or anything new) -> not_evaluated: we never exclude checks, so it cannot count as a pass.
    """
    name = str(getattr(soda_outcome, "name", soda_outcome)).upper()
    if history_without_baseline and name in ("PASSED", "NOT_EVALUATED") and not contract_errored:
        return NO_HISTORY  # nothing to compare with: neither a pass nor a failure, and reported as such
    if name == "PASSED":
        return PASS
    if name == "WARN":
        return WARN
    if name == "FAILED":
        return WARN if level == "warn" else FAIL
    if name == "NOT_EVALUATED":
        if contract_errored:
            return ERROR
        if history_without_baseline:
            return NO_HISTORY
    return NOT_EVALUATED


def failure_line(record: CheckRecord) -> str:
    line = (f"{record.dataset}: {record.check_name} [{record.outcome}] "
            f"measured {format_number(record.measured_value)}, "
            f"threshold {record.threshold or 'none'}")
    if record.detail:
        line += f" ({_one_line(record.detail)})"
    return line


def failure_message(gate: str, feed_date: str, records: Iterable[CheckRecord]) -> str:
    """The pager text: one line per failing check naming dataset, check, measured value and threshold.

    When drift checks failed, the most specific cause comes first and the first line says it in words.
    """
    failures = sorted((r for r in records if r.failing), key=_specificity)
    head = f"data-quality gate {gate!r} failed for feed date {feed_date}: {len(failures)} check(s) failed"
    causes = [str(r.cause) for r in failures if r.cause]
    return "\n".join(causes[:1] + [head] + [f"- {failure_line(r)}" for r in failures])


def _specificity(record: CheckRecord) -> tuple:
    """Drift findings before totals, the largest share of keys first. On a tie a reference snapshot goes before the
    feed: the feed is keyed by it, so a renumbered catalogue shows in both and the catalogue is the cause."""
    if record.cause is None:
        return (1,)
    return (0, -record.cause.share, record.dataset == FEED_DATASET)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
