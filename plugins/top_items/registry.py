"""The consumer registry (include/contracts/consumers.yml): who reads which export, where it goes, how it is pushed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from top_items.alert_routes import ROUTES
from top_items.settings import CONTRACTS_DIR


@dataclass(frozen=True)
class Consumer:
    name: str
    description: str
    export: str
    destination: str
    connection: str
    owner: str
    key: tuple[str, ...]
    owner_user: str | None = None  # the owner's Airflow user: who is asked when a decision about it awaits a human
    # How the sync engine pushes the export (see the header of consumers.yml).
    on_remove: str = "delete"  # what a key gone from the export does at the destination: ON_REMOVE
    clear_fields: tuple[str, ...] = ()  # on_remove clear_fields: the destination fields emptied
    object: str | None = None  # destination object (Top_Item__c, companies)
    external_id: str | None = None  # destination field that holds the key
    mapping: tuple[tuple[str, str | None], ...] = ()  # export column -> destination field (None: not sent)
    stamp_fields: tuple[str, ...] = ()  # sent, but not part of the row hash
    batch_size: int = 100
    bulk_threshold: int | None = None
    max_rejected_rows: int = 0
    max_rejected_ratio: float | None = None
    timeout_seconds: float = 30.0
    retry_attempts: int = 6
    retry_base_seconds: float = 0.25
    retry_max_seconds: float = 30.0
    # Against what the destination holds, as the ledger records it: rows after the push within
    # [max_shrink_ratio, max_growth_ratio], adds + changes + removes at most max_churn_ratio.
    volume_guard: tuple[tuple[str, float], ...] | None = None
    # The list field whose elements the churn is counted in: {field, separator} or {field, element_key}.
    churn_items: tuple[tuple[str, str], ...] = ()
    tier: str = "internal"  # internal | external | production: the bar it must clear (top_items/readiness.py)
    alert_route: str | None = None  # how its owner's alerts are delivered: a route of top_items/alert_routes.py
    fresh_by: str | None = None  # its freshness promise: "HH:MM" daily, or "<weekday> HH:MM" weekly, UTC

    @property
    def field_map(self) -> dict[str, str | None]:
        return dict(self.mapping)

    @property
    def volume_bound(self) -> dict[str, float] | None:
        return dict(self.volume_guard) if self.volume_guard else None

    @property
    def churn_list(self) -> dict[str, str]:
        return dict(self.churn_items)


ON_REMOVE = ("delete", "archive", "clear_fields", "ignore")
TIERS = ("internal", "external", "production")
VOLUME_GUARD = {"max_growth_ratio", "max_shrink_ratio", "max_churn_ratio"}


def _consumer(name: str, spec: dict) -> Consumer:
    spec = dict(spec)
    spec["key"] = tuple(spec.pop("key"))
    spec["mapping"] = tuple((spec.get("mapping") or {}).items())
    spec["stamp_fields"] = tuple(spec.get("stamp_fields") or ())
    spec["clear_fields"] = tuple(spec.get("clear_fields") or ())
    if spec.get("volume_guard") is not None:
        guard = spec["volume_guard"]
        if set(guard) != VOLUME_GUARD or not 0 < guard["max_shrink_ratio"] <= 1 <= guard["max_growth_ratio"] \
                or not guard["max_churn_ratio"] > 0:
            raise ValueError(f"consumers.yml: {name}.volume_guard needs {sorted(VOLUME_GUARD)}: max_shrink_ratio "
                             f"in (0, 1], max_growth_ratio >= 1, max_churn_ratio > 0; got {guard}")
        spec["volume_guard"] = tuple(sorted(guard.items()))
    if spec.get("churn_items") is not None:
        items = spec["churn_items"]
        if set(items) not in ({"field", "separator"}, {"field", "element_key"}):
            raise ValueError(f"consumers.yml: {name}.churn_items needs field and one of separator, element_key; "
                             f"got {items}")
        spec["churn_items"] = tuple(sorted(items.items()))
    unknown = set(spec) - set(Consumer.__dataclass_fields__)
    if unknown:
        raise ValueError(f"consumers.yml: {name} has unknown keys {sorted(unknown)}")
    if spec.get("tier", "internal") not in TIERS:
        raise ValueError(f"consumers.yml: {name}.tier must be one of {TIERS}")
    if spec.get("alert_route") is not None and spec["alert_route"] not in ROUTES:
        raise ValueError(f"consumers.yml: {name}.alert_route must be one of {sorted(ROUTES)}")
    if spec.get("fresh_by") is not None:
        from top_items.activation.promises import parse  # raises ValueError naming what a promise must look like

        parse(name, spec["fresh_by"])
    if spec.get("on_remove", "delete") not in ON_REMOVE:
        raise ValueError(f"consumers.yml: {name}.on_remove must be one of {ON_REMOVE}")
    if (spec.get("on_remove") == "clear_fields") != bool(spec["clear_fields"]):
        raise ValueError(f"consumers.yml: {name}: clear_fields lists the fields on_remove: clear_fields empties "
                         "(and only then)")
    return Consumer(name=name, **spec)


@lru_cache(maxsize=1)
def consumers() -> dict[str, Consumer]:
    declared = yaml.safe_load((CONTRACTS_DIR / "consumers.yml").read_text())["consumers"]
    return {name: _consumer(name, spec) for name, spec in declared.items()}


def consumer(name: str) -> Consumer:
    try:
        return consumers()[name]
    except KeyError:
        raise KeyError(f"no consumer {name!r} in include/contracts/consumers.yml") from None


def owner_user(name: str) -> str:
    """The Airflow user (its username) who answers for the consumer: the one to assign its approvals to."""
    user = consumer(name).owner_user
    if not user:
        raise KeyError(f"consumer {name!r} declares no owner_user in include/contracts/consumers.yml")
    return user



@dataclass(frozen=True)
class Producer:
    """Who writes one input the stack reads (include/contracts/producers.yml)."""

    name: str
    description: str
    input: str  # the landing prefix it writes, as the lineage graph names it: landing.<prefix>
    owner: str  # the address its alerts go to
    alert_route: str  # how they are delivered: a route of top_items/alert_routes.py


def _producer(name: str, spec: dict) -> Producer:
    fields = set(Producer.__dataclass_fields__) - {"name"}
    if set(spec) != fields:
        raise ValueError(f"producers.yml: {name} needs exactly {sorted(fields)}; got {sorted(spec)}")
    if spec["alert_route"] not in ROUTES:
        raise ValueError(f"producers.yml: {name}.alert_route must be one of {sorted(ROUTES)}")
    return Producer(name=name, **spec)


@lru_cache(maxsize=1)
def producers() -> dict[str, Producer]:
    declared = yaml.safe_load((CONTRACTS_DIR / "producers.yml").read_text())["producers"]
    found = {name: _producer(name, spec) for name, spec in declared.items()}
    inputs = [p.input for p in found.values()]
    if len(inputs) != len(set(inputs)):
        raise ValueError(f"producers.yml: an input has more than one producer: {sorted(inputs)}")
    return found


def producer(name: str) -> Producer:
    try:
        return producers()[name]
    except KeyError:
        raise KeyError(f"no producer {name!r} in include/contracts/producers.yml") from None


def producer_of(input_node: str) -> Producer:
    """The producer of a landing prefix (``landing.inventory_feeds``)."""
    for found in producers().values():
        if found.input == input_node:
            return found
    raise KeyError(f"no producer writes {input_node!r} in include/contracts/producers.yml")
