"""Build a tree of model files into a shadow workspace and audit it with the gates that stand before a push.

The same machinery as a run (``transform/build.py`` into a :class:`Workspace`, ``quality.run_gate``), with a
prefix of its own (``preview_<date>_<hash>_<layer>``) so a run's clean-up never takes it for a crashed run's
leftover, and with nothing recorded in ops (a shadow build is no run). The shadow is always dropped, also on error.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from top_items.quality.contracts import EXPORT_GATE_PREFIX
from top_items.quality.gate import GateResult, run_gate
from top_items.registry import consumers
from top_items.rules import variables
from top_items.settings import CONTRACTS_DIR, SQL_DIR
from top_items.transform.build import ModelBuild, build
from top_items.transform.models import ModelError, discover
from top_items.transform.workspace import PREVIEW_PREFIX, Workspace

log = logging.getLogger(__name__)

MARTS_GATE = "marts"  # stops every consumer in a run; the export gates stop one each


@dataclass
class ShadowBuild:
    workspace: Workspace
    sql_dir: Path
    rules: dict
    models: list[ModelBuild] = field(default_factory=list)
    error: str | None = None  # the model that failed to build, and why: the change would fail the run there
    gates: dict[str, GateResult] = field(default_factory=dict)  # gate name -> result

    @property
    def built(self) -> bool:
        return self.error is None


@contextlib.contextmanager
def shadow(conn, feed_date: str, *, sql_dir: Path = SQL_DIR) -> Iterator[ShadowBuild]:
    """A shadow workspace for ``feed_date``, dropped when the block ends, whatever happens in it."""
    workspace = Workspace(feed_date, f"preview-{uuid.uuid4().hex}", prefix=PREVIEW_PREFIX)
    try:
        yield ShadowBuild(workspace, sql_dir, variables(sql_dir))
    finally:
        workspace.drop(conn)
        log.info("dropped the shadow workspace %s", workspace.schema("*"))


def build_models(conn, target: ShadowBuild) -> ShadowBuild:
    """Build every model of the tree into the shadow; stop at the first that fails (as a run would)."""
    try:
        models = discover(target.sql_dir)
    except ModelError as exc:
        target.error = f"the model files do not parse: {exc}"
        return target
    for model in models:
        try:
            target.models.append(build(conn, model, target.workspace, rules=target.rules, record=False))
        except psycopg.OperationalError:
            raise  # the warehouse, not the change: let it propagate
        except (psycopg.Error, ValueError) as exc:
            target.error = f"{model.qualified_name} failed to build: {' '.join(str(exc).split())}"
            return target
    return target


def run_gates(conn, target: ShadowBuild, *, data_source=None, contracts_dir: Path = CONTRACTS_DIR) -> ShadowBuild:
    """The marts gate and every consumer's export gate on the shadow, with the tree's rule parameters."""
    for gate in (MARTS_GATE, *(EXPORT_GATE_PREFIX + name for name in consumers())):
        target.gates[gate] = run_gate(conn, gate, target.workspace.feed_date, run_id=target.workspace.run_id,
                                      layers=target.workspace.variables(), data_source=data_source,
                                      contracts_dir=contracts_dir, rules=target.rules, record=False)
    return target
