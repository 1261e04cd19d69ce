"""Promotion tiers: what a consumer must have before it may be called internal, external or production.

Each consumer declares its ``tier`` in consumers.yml. The bars below are the one place a tier's requirements are
written; each tier adds to the one before it. Static requirements are read from the repo (the registry, the export
contracts, the destinations, the tests, and the lineage graph for what a consumer reads upstream, the graph
``impact`` answers from), so a pull request that promotes a consumer without hardening it fails
``tests/unit/test_readiness.py``. Two need evidence from the warehouse and are judged only when a connection is
given (``python -m top_items readiness``): the last push was planned and guarded, and the owner's alert route
delivered the last alert sent on it to them (``ops.alert_deliveries``; ``python -m top_items test-alert`` sends
one). Without a connection they are unknown, unless the repo alone already fails them (no route declared).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from top_items import settings
from top_items.alert_routes import DELIVERED, last_delivery
from top_items.registry import TIERS, Consumer, consumers

TESTS_DIR = settings.REPO_ROOT / "tests"


@dataclass(frozen=True)
class Requirement:
    name: str
    tier: str  # the lowest tier that needs it
    # (consumer, warehouse connection or None) -> met, or None: unknown (it needs the warehouse, none given)
    check: Callable[[Consumer, object], bool | None]


def _contract(consumer: Consumer) -> dict:
    from top_items.quality import contracts

    path = contracts.contract_path(consumer.export)
    return contracts.load(path) if path.exists() else {}


def _has_check(consumer: Consumer, kind: str, qualifier: str | None = None) -> bool:
    for check in _contract(consumer).get("checks") or []:
        if isinstance(check, dict) and kind in check:
            if qualifier is None or (check[kind] or {}).get("qualifier") == qualifier:
                return True
    return False


def _reconciles(consumer: Consumer) -> bool:
    from top_items.activation.destinations import REGISTRY
    from top_items.activation.destinations.base import Destination

    kind = REGISTRY.get(consumer.destination)
    return kind is not None and kind.read_back is not Destination.read_back


def _named_by_a_test(consumer: Consumer, tests_dir: Path = TESTS_DIR) -> bool:
    return any(f"def test_{consumer.name}" in path.read_text() or f"_{consumer.name}_" in path.name
               for path in tests_dir.rglob("test_*.py"))


def ungated_sources(consumer: Consumer, graph=None) -> list[str]:
    """Raw tables upstream of the consumer (the lineage graph: the one ``impact`` and the DAG's assets read) that
    the raw gate does not check against a contract."""
    from top_items.lineage import consumer_node
    from top_items.lineage import graph as lineage_graph
    from top_items.quality.contracts import GATE_DATASETS, contract_path

    return [node for node in (graph or lineage_graph()).upstream(consumer_node(consumer.name))
            if node.startswith("raw.") and (node not in GATE_DATASETS["raw"] or not contract_path(node).exists())]


def _last_push_guarded(consumer: Consumer, conn) -> bool | None:
    if conn is None:
        return None
    row = conn.execute("select outcome from ops.sync_runs where consumer = %s and mode = 'push' "
                       "order by sync_run_id desc limit 1", (consumer.name,)).fetchone()
    return row is not None and row[0] in ("success", "skipped")


def _alert_route_delivered(consumer: Consumer, conn) -> bool | None:
    """The owner's route has carried an alert to them, and the last one sent went through."""
    from top_items.audience import owner_of

    recipient = owner_of(consumer)
    if recipient is None:
        return False
    return None if conn is None else last_delivery(conn, recipient) == DELIVERED


BARS: tuple[Requirement, ...] = (
    Requirement("owner", "internal", lambda c, _: bool(c.owner)),
    Requirement("export contract", "internal", lambda c, _: bool(_contract(c))),
    Requirement("locked schema", "external", lambda c, _: _has_check(c, "schema")),
    Requirement("freshness check", "external", lambda c, _: _has_check(c, "metric", "freshness")),
    Requirement("volume guard", "external", lambda c, _: c.volume_bound is not None),
    Requirement("alert route", "external", _alert_route_delivered),
    Requirement("every source gated", "external", lambda c, _: not ungated_sources(c)),
    Requirement("churn bound", "production", lambda c, _: bool((c.volume_bound or {}).get("max_churn_ratio"))),
    Requirement("0 rejected rows", "production",
                lambda c, _: c.max_rejected_rows == 0 and not c.max_rejected_ratio),
    Requirement("reconcile", "production", lambda c, _: _reconciles(c)),
    Requirement("a test names it", "production", lambda c, _: _named_by_a_test(c)),
    Requirement("last push planned and guarded", "production", _last_push_guarded),
)


def required(tier: str) -> list[Requirement]:
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {TIERS}, not {tier!r}")
    return [r for r in BARS if TIERS.index(r.tier) <= TIERS.index(tier)]


def assess(consumer: Consumer, conn=None) -> dict[str, bool | None]:
    """Each requirement of the consumer's tier: met, missing, or None (needs the warehouse, none given)."""
    return {r.name: r.check(consumer, conn) for r in required(consumer.tier)}


def unearned(conn=None) -> dict[str, list[str]]:
    """Consumers whose tier is not earned, with what they miss."""
    found = {}
    for name, consumer in consumers().items():
        missing = [req for req, met in assess(consumer, conn).items() if met is False]
        if missing:
            found[name] = missing
    return found


def table(conn=None) -> str:
    lines = [f"{'consumer':<14} {'tier':<11} requirement"]
    for name, consumer in consumers().items():
        for number, (req, met) in enumerate(assess(consumer, conn).items()):
            state = "met" if met else "MISSING" if met is False else "unknown (needs the warehouse)"
            lines.append(f"{name if number == 0 else '':<14} {consumer.tier if number == 0 else '':<11} "
                         f"{req:<30} {state}")
    return "\n".join(lines)
