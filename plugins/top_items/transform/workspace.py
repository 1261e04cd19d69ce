"""Where a run builds its day: schemas of its own that no other run and no reader of the published tables sees.

Write-audit-publish. A run builds every model for its feed date into ``build_<date>_<run>_<layer>``; the gates
audit those tables; only a build that passed is published (``transform/publish.py``) into ``marts.*`` and
``exports.*``, in one transaction. The models' SQL names the published layers (``marts.dim_stores``); the
workspace points those names at its own schemas, so a model file reads the same in every run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from psycopg import sql

from top_items.layers import LAYERS

PREFIX = "build_"
PREVIEW_PREFIX = "preview_"  # a change preview's shadow build (top_items/preview): never published, never a leftover
_LAYER_REFERENCE = re.compile(r"\b(from|join)(\s+)(" + "|".join(LAYERS) + r")\.", re.IGNORECASE)


@dataclass(frozen=True)
class Workspace:
    feed_date: str
    run_id: str
    prefix: str = PREFIX

    @property
    def key(self) -> str:
        return f"{self.feed_date.replace('-', '')}_{hashlib.sha1(self.run_id.encode()).hexdigest()[:10]}"

    def schema(self, layer: str) -> str:
        return f"{self.prefix}{self.key}_{layer}"

    def relation(self, qualified_name: str) -> str:
        layer, _, name = qualified_name.partition(".")
        return f"{self.schema(layer)}.{name}"

    def identifier(self, qualified_name: str) -> sql.Identifier:
        return sql.Identifier(*self.relation(qualified_name).split("."))

    def rewrite(self, text: str) -> str:
        """A model's SQL reading this workspace's layers instead of the published ones (raw is shared)."""
        return _LAYER_REFERENCE.sub(lambda m: f"{m.group(1)}{m.group(2)}{self.schema(m.group(3).lower())}.", text)

    def variables(self) -> dict[str, str]:
        """The contracts' names for the layers they audit: ``${var.marts}`` is this build's marts schema."""
        return {layer: self.schema(layer) for layer in LAYERS}

    def create(self, conn) -> None:
        """Create the run's schemas (idempotent); the models of one run build in parallel, so one at a time."""
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (self.prefix + self.key,))
            for layer in LAYERS:
                conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(self.schema(layer))))

    def drop(self, conn) -> None:
        for layer in LAYERS:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(self.schema(layer))))


def drop_leftovers(conn, feed_date: str, keep: Workspace | None = None) -> list[str]:
    """Drop the workspaces earlier runs of ``feed_date`` left behind (a crash skips their clean-up)."""
    pattern = f"{PREFIX}{feed_date.replace('-', '')}\\_%"
    kept = {keep.schema(layer) for layer in LAYERS} if keep else set()
    schemas = [name for (name,) in conn.execute(
        "select nspname from pg_namespace where nspname like %s order by 1", (pattern,)) if name not in kept]
    for name in schemas:
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))
    return schemas
