"""Who hears about a failed task: written once, from what the task declares it reads and writes.

- a task that writes a consumer (its outlets hold the consumer's asset: its push) concerns that consumer, and its
  failure goes to the consumer's owner, on the owner's route (consumers.yml: owner, alert_route);
- a task that fails on a broken input concerns that input's producer (producers.yml): the loader of a landing
  prefix (its inlets hold the prefix) refusing the files as data (``AirflowFailException``: a wrong header, no
  files), or a gate whose failing checks are on tables loaded from the prefix (lineage.LOADS). Its failure goes to
  the producer's route and to the on-call;
- anything else (a model that does not build, a mart or export gate, a loader that could not reach S3) is ours:
  the on-call alone.

The DAG's inlets and outlets come from the lineage graph (top_items/assets.py), so this reads the same wiring the
UI and OpenLineage show.
"""

from __future__ import annotations

import sys

from top_items import lineage, registry
from top_items.alert_routes import ON_CALL_RECIPIENT, Recipient


def owner_of(spec: registry.Consumer) -> Recipient | None:
    """The consumer's owner on their route; None when it declares no route or no owner (its tier's bar says so)."""
    return Recipient(spec.name, spec.alert_route, spec.owner) if spec.alert_route and spec.owner else None


def owner(consumer: str) -> Recipient | None:
    return owner_of(registry.consumer(consumer))


def producer(name: str) -> Recipient:
    spec = registry.producer(name)
    return Recipient(name, spec.alert_route, spec.owner)


def _named(assets, layer: str) -> list[str]:
    """The lineage nodes of a layer among a task's assets (a landing prefix's asset is named after its node)."""
    return [asset.name for asset in assets or () if getattr(asset, "name", "").startswith(f"{layer}.")]


def consumers_written(task) -> list[str]:
    return [node.partition(".")[2] for node in _named(task.outlets, lineage.CONSUMER_LAYER)]


def _chain(exception: BaseException | None):
    seen = []
    while exception is not None and exception not in seen:
        seen.append(exception)
        exception = exception.__cause__ or exception.__context__
    return seen


def failed_datasets(exception: BaseException | None) -> list[str]:
    """The tables whose checks failed a gate, when the failure is a gate's (``GateFailedError`` in its chain)."""
    gate = sys.modules.get("top_items.quality.gate")  # not loaded: no gate ran in this process, none failed
    for link in _chain(exception) if gate is not None else ():
        if isinstance(link, gate.GateFailedError):
            return sorted({check.dataset for check in link.result.failed})
    return []


def inputs_broken(task, exception: BaseException | None) -> list[str]:
    """The landing prefixes whose data the failure says is broken."""
    from airflow.sdk.exceptions import AirflowFailException

    found = set()
    if any(isinstance(link, AirflowFailException) for link in _chain(exception)):
        found |= set(_named(task.inlets, "landing"))
    for dataset in failed_datasets(exception):
        found |= {landing for landing, tables in lineage.LOADS.items() if dataset in tables}
    return sorted(found)


def of_failure(task, exception: BaseException | None) -> list[Recipient]:
    """Everyone a failed task's alert is for, each once."""
    consumers = consumers_written(task)
    if consumers:  # an owner nobody can reach is the on-call's to pass on
        found = [owner(name) or ON_CALL_RECIPIENT for name in consumers]
    else:
        found = [ON_CALL_RECIPIENT, *(producer(registry.producer_of(node).name)
                                      for node in inputs_broken(task, exception))]
    return list(dict.fromkeys(found))


def everyone() -> list[Recipient]:
    """Everyone an alert can be for: the on-call, each consumer's owner, each producer."""
    owners = [owner(name) for name in registry.consumers()]
    return list(dict.fromkeys([ON_CALL_RECIPIENT, *filter(None, owners), *map(producer, registry.producers())]))
