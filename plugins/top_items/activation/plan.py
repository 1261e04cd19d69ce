"""Plan a sync: map export rows to destination records, hash them, diff against ``ops.sync_state``.

Pure functions (no I/O): the engine feeds rows in and gets a :class:`Plan` out. The mapping is the one in
consumers.yml; this module only renames columns and normalises values to JSON types, never filters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from top_items.activation.base import SyncError
from top_items.registry import Consumer

ADD, CHANGE, REMOVE = "add", "change", "remove"
KINDS = (ADD, CHANGE, REMOVE)


class MappingError(SyncError):
    """The export and the declared mapping disagree: a contract change, never guessed at."""


@dataclass(frozen=True)
class StateRow:
    row_hash: str | None  # what the destination last confirmed; None: never confirmed
    destination_id: str | None
    status: str  # synced | failed


@dataclass
class Op:
    kind: str  # add | change | remove
    key: str
    record: dict | None  # destination fields (None for a remove)
    row_hash: str | None
    destination_id: str | None = None
    retry: bool = False  # the key failed last time


@dataclass
class Plan:
    adds: list[Op] = field(default_factory=list)
    changes: list[Op] = field(default_factory=list)
    removes: list[Op] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0  # rows in the export

    @property
    def upserts(self) -> list[Op]:
        return self.adds + self.changes

    @property
    def retries(self) -> int:
        return sum(op.retry for op in self.adds + self.changes + self.removes)

    def counts(self) -> dict[str, int]:
        return {"planned_adds": len(self.adds), "planned_changes": len(self.changes),
                "planned_removes": len(self.removes)}

    def describe(self, limit: int = 10) -> str:
        lines = [(f"{self.rows} export rows: {len(self.adds)} adds, {len(self.changes)} changes, "
                  f"{len(self.removes)} removes, {self.unchanged} unchanged ({self.retries} retries of failed rows)")]
        for name, ops in (("add", self.adds), ("change", self.changes), ("remove", self.removes)):
            shown = ", ".join(op.key for op in ops[:limit])
            if ops:
                lines.append(f"  {name}: {shown}{' ...' if len(ops) > limit else ''}")
        return "\n".join(lines)


def normalise(value):
    """Export values as JSON types: dates as ISO strings, decimals as int/float."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def record_key(consumer: Consumer, row: Mapping) -> str:
    try:
        return ":".join(str(row[column]) for column in consumer.key)
    except KeyError as exc:
        raise MappingError(f"{consumer.export} has no key column {exc} (consumers.yml: {consumer.name}.key)") \
            from None


def map_row(consumer: Consumer, row: Mapping) -> dict:
    """Rename every export column through the declared mapping (a column mapped to null is not sent)."""
    mapping = consumer.field_map
    unmapped = [column for column in row if column not in mapping]
    if unmapped:
        raise MappingError(f"{consumer.export} has columns {unmapped} with no mapping in consumers.yml "
                           f"({consumer.name}.mapping): declare them (null to not send them)")
    missing = [column for column in mapping if column not in row]
    if missing:
        raise MappingError(f"{consumer.export} lacks mapped columns {missing} ({consumer.name}.mapping)")
    return {target: normalise(row[column]) for column, target in mapping.items() if target is not None}


def row_hash(consumer: Consumer, record: Mapping) -> str:
    hashed = {k: v for k, v in record.items() if k not in consumer.stamp_fields}
    body = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def diff(consumer: Consumer, rows: Iterable[Mapping], state: Mapping[str, StateRow]) -> Plan:
    """Adds, changes and removes that bring the destination from ``state`` to ``rows``.

    A key whose last push failed is always planned again (even when its hash did not change). Removes only in
    ``mirror`` and ``snapshot`` modes (a snapshot destination gets the whole export anyway; the removes are the
    plan a volume guard reads).
    """
    plan = Plan()
    seen: set[str] = set()
    for row in rows:
        key = record_key(consumer, row)
        if key in seen:
            raise MappingError(f"{consumer.export} has key {key!r} twice: the export's grain is broken")
        seen.add(key)
        plan.rows += 1
        record = map_row(consumer, row)
        digest = row_hash(consumer, record)
        current = state.get(key)
        if current is None or current.row_hash is None:
            plan.adds.append(Op(ADD, key, record, digest, current and current.destination_id,
                                retry=current is not None))
        elif current.status != "synced" or current.row_hash != digest:
            plan.changes.append(Op(CHANGE, key, record, digest, current.destination_id,
                                   retry=current.status != "synced"))
        else:
            plan.unchanged += 1
    if consumer.mode in ("mirror", "snapshot"):
        for key in sorted(set(state) - seen):
            current = state[key]
            plan.removes.append(Op(REMOVE, key, None, current.row_hash, current.destination_id,
                                   retry=current.status != "synced"))
    return plan


def batches(ops: list[Op], size: int) -> list[list[Op]]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [ops[i:i + size] for i in range(0, len(ops), size)]
