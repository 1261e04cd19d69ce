"""The consumer registry (include/contracts/consumers.yml) and the lineage of every table to its consumers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

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


@lru_cache(maxsize=1)
def consumers() -> dict[str, Consumer]:
    declared = yaml.safe_load((CONTRACTS_DIR / "consumers.yml").read_text())["consumers"]
    return {name: Consumer(name=name, key=tuple(spec.pop("key")), **spec) for name, spec in declared.items()}


def consumer(name: str) -> Consumer:
    try:
        return consumers()[name]
    except KeyError:
        raise KeyError(f"no consumer {name!r} in include/contracts/consumers.yml") from None


def impact(table: str) -> dict[str, list[str]]:
    """Every model downstream of ``table`` (raw, staging, marts or exports) and the consumers they feed."""
    from top_items.transform.models import discover

    models = discover()
    downstream: list[str] = []
    frontier = {table}
    for model in models:  # topological order: one pass reaches everything downstream
        if frontier & (set(model.depends_on) | set(model.sources)):
            downstream.append(model.qualified_name)
            frontier.add(model.qualified_name)
    reached = set(downstream) | {table}
    return {"models": downstream,
            "consumers": [c.name for c in consumers().values() if c.export in reached]}
