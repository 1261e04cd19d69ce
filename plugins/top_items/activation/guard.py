"""The volume guard: a push that would make a destination jump, drop or churn beyond its bound is blocked.

The article's costly failure is a misfiring model whose output flows through working pipes (millions in
promo codes). So before any push, the plan is weighed against the baseline: what the destination holds, as
the ledger records it (``ops.sync_state``: the keys it confirmed, after the last successful sync and whatever a
failed push landed since; ledger.baseline). Two measures, both bounded per consumer in consumers.yml
``volume_guard``:

    net size  rows after the push / baseline, within [max_shrink_ratio, max_growth_ratio]
    churn     (adds + changes + removes) / baseline, at most max_churn_ratio: a day that replaces half of
              every store's list at a constant total keeps the net size and is still a jump. Where a record
              is a store's whole list (consumers.yml churn_items), a change counts the share of the list it
              replaces, so reordering or one new item is not half a store's list.

A first sync has no baseline and is allowed, and says so; restamps (stamp fields only) are not churn. Nor is
the retry of a record a refused push left behind, when its content is what the destination last confirmed
(plan.diff): so the run after a day refused whole weighs only what the day itself moves, and converges once
the cause is gone, while a genuine jump on that run is still blocked.
"""

from __future__ import annotations

from dataclasses import dataclass

from top_items.activation.plan import Plan
from top_items.registry import Consumer

OVERRIDE_PARAM = "override_volume_guard"


@dataclass(frozen=True)
class VolumeVerdict:
    allowed: bool
    baseline: int | None  # rows the destination holds (ledger.baseline); None on a first sync
    after: int  # rows the destination would hold after this push
    message: str


def check_volume(consumer: Consumer, plan: Plan, baseline: int | None, *, overridden: bool = False) -> VolumeVerdict:
    bound = consumer.volume_bound
    after = plan.rows
    if not bound:
        return VolumeVerdict(True, baseline, after, "no volume guard declared")
    if not baseline:
        return VolumeVerdict(True, None, after, f"first sync: no baseline yet, {after} rows allowed")
    ratio, churn = after / baseline, plan.churn / baseline
    low, high, most = bound["max_shrink_ratio"], bound["max_growth_ratio"], bound["max_churn_ratio"]
    described = (f"{consumer.name}: export has {after} rows, {ratio:.2f}x the {baseline} held after the last "
                 f"successful sync and any push since (bound {low}x..{high}x); churn {plan.churn:g} records, "
                 f"{churn:.2f}x of it (bound {most}x; planned +{len(plan.adds)} ~{len(plan.changes)} "
                 f"-{len(plan.removes)})")
    if low <= ratio <= high and churn <= most:
        return VolumeVerdict(True, baseline, after, described)
    if overridden:
        return VolumeVerdict(True, baseline, after, f"{described}: beyond the bound, pushed anyway because "
                                                    f"the run's {OVERRIDE_PARAM} param names {consumer.name}")
    return VolumeVerdict(False, baseline, after, f"{described}: push blocked, the destination keeps its data; "
                                                 f"to push it anyway for one run, trigger with "
                                                 f"{OVERRIDE_PARAM}=[\"{consumer.name}\"]")
