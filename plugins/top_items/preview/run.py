"""Preview a change: what the model files on disk would publish and push for day D, before anything moves.

    build    every model of the tree into a shadow workspace, from the same raw data (preview/build.py)
    audit    the marts gate and each export's contract on the shadow, with the tree's rule parameters
    compare  per consumer, the shadow export against what is published for D (preview/diff.py), and the sync
             engine's own plan and volume guard on the shadow export, weighed against the ledger

It reads the published tables, the ledger (ops.sync_state, ops.sync_runs) and raw; it writes nothing but its
shadow schemas, which it drops. It builds no destination client, so no destination is ever called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from top_items.activation import ledger
from top_items.activation.engine import plan_sync, weigh
from top_items.activation.errors import MappingError
from top_items.activation.guard import VolumeVerdict
from top_items.activation.plan import Plan, map_row, record_key
from top_items.preview import BASELINES, PASSES, STOPPED
from top_items.preview.build import MARTS_GATE, ShadowBuild, build_models, run_gates, shadow
from top_items.preview.diff import RecordDiff, diff_records
from top_items.quality.contracts import EXPORT_GATE_PREFIX
from top_items.quality.gate import GateResult
from top_items.registry import Consumer, consumers
from top_items.settings import CONTRACTS_DIR, SQL_DIR

log = logging.getLogger(__name__)

class NothingToPreview(Exception):
    """Day D has no raw data loaded: there is nothing to build a shadow from."""


@dataclass
class ConsumerPreview:
    consumer: Consumer
    gate: GateResult
    diff: RecordDiff | None = None  # None when the shadow export cannot be mapped (error says why)
    plan: Plan | None = None  # the sync engine's plan of the shadow export against the ledger
    verdict: VolumeVerdict | None = None
    backfill_of: date | None = None  # the newest day pushed, when D is older (the guard does not apply)
    error: str | None = None

    @property
    def guard_blocks(self) -> bool:
        return self.verdict is not None and not self.verdict.allowed

    @property
    def stopped(self) -> bool:
        """A real run of the change would not push this consumer: its contract fails or its guard blocks."""
        return bool(self.error) or not self.gate.ok or self.guard_blocks


@dataclass
class Preview:
    feed_date: str
    against: str
    shadow: ShadowBuild
    consumers: list[ConsumerPreview] = field(default_factory=list)

    @property
    def marts_gate(self) -> GateResult | None:
        return self.shadow.gates.get(MARTS_GATE)

    @property
    def reasons(self) -> list[str]:
        """Why a real run of the change would be stopped (empty: it would pass)."""
        if self.shadow.error:
            return [self.shadow.error]
        reasons = [] if self.marts_gate is None or self.marts_gate.ok else ["the marts gate fails"]
        for each in self.consumers:
            name = each.consumer.name
            reasons += [f"{name}: {each.error}"] if each.error else []
            reasons += [] if each.gate.ok else [f"{name}: the export contract fails"]
            reasons += [f"{name}: the volume guard would block the push"] if each.guard_blocks else []
        return reasons

    @property
    def exit_code(self) -> int:
        return STOPPED if self.reasons else PASSES


def preview(conn, feed_date: str, *, against: str = "published", sql_dir: Path = SQL_DIR,
            contracts_dir: Path = CONTRACTS_DIR, data_source=None) -> Preview:
    """Build ``sql_dir``'s models for ``feed_date`` aside, audit them, and compare each consumer's export.

    ``conn``: an autocommit connection to the warehouse. ``data_source``: the Soda data source for the gates
    (by default one from the Airflow ``warehouse`` connection). Raises :class:`NothingToPreview` when D has no
    raw feed rows; a change that fails to build or to pass a gate is a result, never an exception.
    """
    feed_date = date.fromisoformat(str(feed_date)).isoformat()
    if against not in BASELINES:
        raise ValueError(f"--against must be one of {BASELINES}, not {against!r}")
    if not _has_feed(conn, feed_date):
        raise NothingToPreview(f"raw.inventory_feed has no rows for {feed_date}: load the day first "
                               "(simulate it and run the pipeline, or let the scheduler do it)")
    with shadow(conn, feed_date, sql_dir=sql_dir) as target:
        result = Preview(feed_date, against, build_models(conn, target))
        if target.built:
            run_gates(conn, target, data_source=data_source, contracts_dir=contracts_dir)
            result.consumers = [compare(conn, spec, target) for spec in consumers().values()]
    return result


def compare(conn, spec: Consumer, target: ShadowBuild) -> ConsumerPreview:
    """One consumer: the shadow export against the published one, then the push plan and the guard's verdict."""
    day = target.workspace.feed_date
    found = ConsumerPreview(spec, target.gates[EXPORT_GATE_PREFIX + spec.name])
    if not _exists(conn, target.workspace.relation(spec.export)):
        found.error = f"the model files build no {spec.export}"
        return found
    rows = list(ledger.export_rows(conn, spec, day, relation=target.workspace.relation(spec.export)))
    published = list(ledger.export_rows(conn, spec, day)) if _exists(conn, spec.export) else []
    try:
        found.diff = diff_records(_records(spec, published), _records(spec, rows))
        found.plan = plan_sync(conn, spec, day, rows)
    except MappingError as exc:
        found.error = str(exc)
        return found
    found.verdict, found.backfill_of = weigh(conn, spec, found.plan, day, ledger.baseline(conn, spec.name))
    return found


def _records(spec: Consumer, rows: list[dict]) -> dict[str, dict]:
    return {record_key(spec, row): map_row(spec, row) for row in rows}


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _has_feed(conn, feed_date: str) -> bool:
    return _exists(conn, "raw.inventory_feed") and conn.execute(
        "select exists (select from raw.inventory_feed where feed_date = %s)", (feed_date,)).fetchone()[0]
