"""One file per destination, each registering itself under its consumers.yml ``destination:`` name."""

from __future__ import annotations

from top_items.activation.destinations import crm, retailer_app, salesforce  # noqa: F401 - they register
from top_items.activation.destinations.base import REGISTRY, Destination, Incremental, Snapshot
from top_items.registry import Consumer

__all__ = ["Destination", "Incremental", "Snapshot", "build"]


def build(consumer: Consumer) -> Destination:
    try:
        make = REGISTRY[consumer.destination]
    except KeyError:
        raise ValueError(f"consumers.yml: {consumer.name} has unknown destination {consumer.destination!r} "
                         f"(known: {', '.join(sorted(REGISTRY))})") from None
    return make(consumer)
