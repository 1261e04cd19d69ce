"""The volume guard: a push that would make a destination jump or drop beyond its consumer's bound is blocked.

The article's costly failure is a misfiring model whose output flows through working pipes (millions in
promo codes). So before any push, the rows a destination will hold after it (today's export) are compared
with what it holds after the last successful sync (``ops.sync_state``); beyond ``volume_guard`` in
consumers.yml the push is blocked and pages. A first sync has no baseline and is allowed, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from top_items.activation.base import SyncError
from top_items.activation.plan import Plan
from top_items.registry import Consumer

OVERRIDE_PARAM = "override_volume_guard"


class VolumeGuardBlocked(SyncError):
    """The planned push is beyond the consumer's volume bound; the destination keeps its current data."""


@dataclass(frozen=True)
class VolumeVerdict:
    allowed: bool
    baseline: int | None  # rows held after the last successful sync; None on a first sync
    after: int  # rows the destination would hold after this push
    message: str

    @property
    def ratio(self) -> float | None:
        return self.after / self.baseline if self.baseline else None


def check_volume(consumer: Consumer, plan: Plan, baseline: int, *, overridden: bool = False) -> VolumeVerdict:
    bound = consumer.volume_bound
    after = plan.rows
    if not bound:
        return VolumeVerdict(True, baseline or None, after, "no volume guard declared")
    if baseline == 0:
        return VolumeVerdict(True, None, after, f"first sync: no baseline yet, {after} rows allowed")
    ratio = after / baseline
    low, high = bound["max_shrink_ratio"], bound["max_growth_ratio"]
    described = (f"{consumer.name}: export has {after} rows, {ratio:.2f}x the {baseline} held after the last "
                 f"successful sync (planned +{len(plan.adds)} ~{len(plan.changes)} -{len(plan.removes)}; "
                 f"bound {low}x..{high}x)")
    if low <= ratio <= high:
        return VolumeVerdict(True, baseline, after, described)
    if overridden:
        return VolumeVerdict(True, baseline, after, f"{described}: beyond the bound, pushed anyway because "
                                                    f"the run's {OVERRIDE_PARAM} param names {consumer.name}")
    return VolumeVerdict(False, baseline, after, f"{described}: push blocked, the destination keeps its data; "
                                                 f"to push it anyway for one run, trigger with "
                                                 f"{OVERRIDE_PARAM}=[\"{consumer.name}\"]")
