"""One lineage graph for every question: what feeds what, from the landing bucket to each consumer.

Nodes are named ``<layer>.<name>``: ``landing.<prefix>`` (the S3 prefixes producers write), ``raw.<table>`` (what
the loaders write), ``staging.``/``marts.``/``exports.`` models, and ``consumer.<name>``. The edges come from the
places that already say them: the loaders' targets (``LOADS``), each model's SQL as the parser reads it
(transform/models.py) and each consumer's export (consumers.yml). ``impact``, ``readiness``, the DAG's inlets and
outlets (assets.py) and so the OpenLineage events all read this graph, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from top_items import settings
from top_items.registry import consumers

LANDING_FEEDS = "landing.inventory_feeds"
LANDING_REFERENCE = "landing.reference_snapshots"
RETAILER_FEEDBACK = "landing.retailer_feedback"  # the retailer app's feedback objects, in its own bucket
CONSUMER_LAYER = "consumer"
# What each landing prefix is loaded into (ingest/feeds.py, ingest/reference.py, ingest/feedback.py).
LOADS: dict[str, tuple[str, ...]] = {
    LANDING_REFERENCE: tuple(f"raw.{table}" for table in settings.REFERENCE_TABLES),
    LANDING_FEEDS: ("raw.inventory_feed", "raw.feed_quarantine"),
    RETAILER_FEEDBACK: ("raw.retailer_feedback", "raw.feedback_quarantine", "raw.overrides"),
}


def consumer_node(name: str) -> str:
    return f"{CONSUMER_LAYER}.{name}"


@dataclass(frozen=True)
class Graph:
    edges: frozenset[tuple[str, str]]  # (upstream, downstream): downstream reads upstream

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(sorted({node for edge in self.edges for node in edge}))

    def reads(self, node: str) -> tuple[str, ...]:
        """What ``node`` reads directly."""
        return tuple(sorted(up for up, down in self.edges if down == node))

    def read_by(self, node: str) -> tuple[str, ...]:
        """What reads ``node`` directly."""
        return tuple(sorted(down for up, down in self.edges if up == node))

    def downstream(self, node: str) -> tuple[str, ...]:
        return self._walk(node, self.read_by)

    def upstream(self, node: str) -> tuple[str, ...]:
        return self._walk(node, self.reads)

    @staticmethod
    def _walk(start: str, step) -> tuple[str, ...]:
        seen: set[str] = set()
        frontier = [start]
        while frontier:
            for node in step(frontier.pop()):
                if node not in seen:
                    seen.add(node)
                    frontier.append(node)
        return tuple(sorted(seen - {start}))


def build(models: Iterable, consumers: Iterable, loads: dict[str, tuple[str, ...]] = LOADS) -> Graph:
    """The graph from the loaders' targets, the models (``depends_on`` and ``sources``) and the consumers."""
    edges = {(prefix, table) for prefix, tables in loads.items() for table in tables}
    for model in models:
        edges |= {(read, model.qualified_name) for read in (*model.sources, *model.depends_on)}
    edges |= {(consumer.export, consumer_node(consumer.name)) for consumer in consumers}
    return Graph(frozenset(edges))


@lru_cache(maxsize=1)
def graph() -> Graph:
    """The repo's graph: include/sql models and include/contracts/consumers.yml."""
    from top_items.transform.models import discover  # the SQL parser loads only when a graph is asked for

    return build(discover(), consumers().values())


def impact(table: str) -> dict[str, list[str]]:
    """Every model downstream of ``table`` (raw, staging, marts or exports) and the consumers they feed, read from
    the lineage graph, the one the DAG's assets and the OpenLineage events come from."""
    from top_items.transform.models import discover

    reached = set(graph().downstream(table))
    return {"models": [model.qualified_name for model in discover() if model.qualified_name in reached],
            "consumers": [name for name in consumers() if consumer_node(name) in reached]}
