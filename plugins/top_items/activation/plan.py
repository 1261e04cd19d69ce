"""Plan a sync: map export rows to destination records, hash them, diff them against what the ledger holds.

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

from top_items.activation.errors import MappingError
from top_items.registry import Consumer

# add/change/remove move content; a restamp only moves the stamp fields to today's feed date (so the stamp
# holds what its name says), and is never churn.
ADD, CHANGE, RESTAMP, REMOVE = "add", "change", "restamp", "remove"
KINDS = (ADD, CHANGE, RESTAMP, REMOVE)


@dataclass(frozen=True)
class StateRow:
    row_hash: str | None  # what the destination last confirmed; None: never confirmed
    destination_id: str | None
    status: str  # synced | failed
    feed_date: str | None = None  # the feed date the stamp fields were last pushed with
    items: tuple[str, ...] | None = None  # the elements of its churn_items list the destination holds


@dataclass
class Op:
    kind: str
    key: str
    record: dict | None  # destination fields (None for a remove)
    row_hash: str | None
    destination_id: str | None = None
    retry: bool = False  # the key failed last time
    items: tuple[str, ...] | None = None  # the elements of its churn_items list (None: none declared)
    weight: float = 1.0  # how much of a record it moves: a change of a list counts the share it replaces


@dataclass
class Outcome:
    """What the destination said about one op."""

    op: Op
    ok: bool
    destination_id: str | None = None
    error_code: str | None = None
    message: str | None = None


@dataclass
class Plan:
    ops: dict[str, list[Op]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    unchanged: int = 0
    rows: int = 0  # rows in the export
    records: list[dict] | None = None  # every mapped record, kept for a snapshot destination

    @property
    def adds(self) -> list[Op]:
        return self.ops[ADD]

    @property
    def changes(self) -> list[Op]:
        return self.ops[CHANGE]

    @property
    def removes(self) -> list[Op]:
        return self.ops[REMOVE]

    @property
    def upserts(self) -> list[Op]:
        return self.ops[ADD] + self.ops[CHANGE] + self.ops[RESTAMP]

    @property
    def churn(self) -> float:
        """Records whose content moves: what the volume guard weighs against what the destination holds."""
        return sum(op.weight for kind in (ADD, CHANGE, REMOVE) for op in self.ops[kind])

    @property
    def retries(self) -> int:
        return sum(op.retry for ops in self.ops.values() for op in ops)

    def counts(self) -> dict[str, int]:
        return {kind: len(ops) for kind, ops in self.ops.items()}

    def describe(self, limit: int = 10) -> str:
        counted = ", ".join(f"{len(ops)} {kind}s" for kind, ops in self.ops.items())
        lines = [f"{self.rows} export rows: {counted}, {self.unchanged} unchanged ({self.retries} retries of "
                 "failed rows)"]
        for kind, ops in self.ops.items():
            if ops and kind != RESTAMP:
                shown = ", ".join(op.key for op in ops[:limit])
                lines.append(f"  {kind}: {shown}{' ...' if len(ops) > limit else ''}")
        return "\n".join(lines)


def normalise(value):
    """Export values as JSON types: dates as ISO strings, decimals as int/float."""
    if isinstance(value, (datetime, date)):
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


def mapped_key(consumer: Consumer, record: Mapping) -> str:
    """A mapped record's key (the key columns under their destination names), as :func:`record_key` gives it."""
    return ":".join(str(record[consumer.field_map[column]]) for column in consumer.key)


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


def list_items(consumer: Consumer, record: Mapping) -> tuple[str, ...] | None:
    """The elements of the consumer's ``churn_items`` list field in a mapped record (None: none declared)."""
    spec = consumer.churn_list
    if not spec:
        return None
    value = record.get(spec["field"])
    if value in (None, ""):
        return ()
    if "separator" in spec:
        return tuple(sorted(set(str(value).split(spec["separator"]))))
    elements = json.loads(value) if isinstance(value, str) else value
    return tuple(sorted({str(element[spec["element_key"]]) for element in elements}))


def weight(kind: str, held: tuple[str, ...] | None, items: tuple[str, ...] | None) -> float:
    """A change of a list moves the share of elements it replaces (a reordering moves none); else 1."""
    if kind == RESTAMP:
        return 0.0
    if kind != CHANGE or held is None or items is None:
        return 1.0
    return len(set(held) ^ set(items)) / max(1, len(held) + len(items))


def row_hash(consumer: Consumer, record: Mapping) -> str:
    hashed = {k: v for k, v in record.items() if k not in consumer.stamp_fields}
    body = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def diff(consumer: Consumer, rows: Iterable[Mapping], state: Mapping[str, StateRow], feed_date: str, *,
         keep_records: bool = False) -> Plan:
    """The ops that bring the destination from ``state`` to ``rows`` (the export for ``feed_date``).

    A key whose last push failed is always planned again (even when its hash did not change); it weighs as churn
    only for the content it moves away from what the destination last confirmed (``row_hash``). A key whose
    content is unchanged but whose stamp fields were pushed for an older feed date is restamped. Keys gone
    from the export are removes; what a remove does is the consumer's ``on_remove``.
    """
    plan = Plan(records=[] if keep_records else None)
    seen: set[str] = set()
    for row in rows:
        key = record_key(consumer, row)
        if key in seen:
            raise MappingError(f"{consumer.export} has key {key!r} twice: the export's grain is broken")
        seen.add(key)
        plan.rows += 1
        record = map_row(consumer, row)
        if keep_records:
            plan.records.append(record)
        digest = row_hash(consumer, record)
        current = state.get(key)
        if current is None or current.row_hash is None:
            kind = ADD
        elif current.status != "synced" or current.row_hash != digest:
            kind = CHANGE
        elif consumer.stamp_fields and current.feed_date != str(feed_date):
            kind = RESTAMP
        else:
            plan.unchanged += 1
            continue
        items = list_items(consumer, record)
        retry = current is not None and current.status != "synced"
        # a refused push left the destination with what it last confirmed: when that is today's content, the
        # retry moves nothing there (else a day refused whole would count every record as churn next time)
        held = retry and current.row_hash == digest
        plan.ops[kind].append(Op(kind, key, record, digest, current and current.destination_id, retry=retry,
                                 items=items, weight=0.0 if held else weight(kind, current and current.items, items)))
    for key in sorted(set(state) - seen):
        current = state[key]
        plan.ops[REMOVE].append(Op(REMOVE, key, None, current.row_hash, current.destination_id,
                                   retry=current.status != "synced"))
    return plan


def batches(ops: list[Op], size: int) -> list[list[Op]]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [ops[i:i + size] for i in range(0, len(ops), size)]
