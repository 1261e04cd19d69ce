"""Publish a run's audited build (write-audit-publish: the publish), in one transaction.

For each model of the published layers, the run's day replaces that day in ``marts.*`` / ``exports.*``
(an incremental model) or the whole table (a table model); every other day stays as it was. Readers
therefore see either the previous published day or the whole new one, never a half-built or failed day.
An export whose gate failed is left out: its consumers keep the previous published day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from psycopg import sql

from top_items.layers import PUBLISHED_LAYERS
from top_items.transform.build import columns
from top_items.transform.models import Model, discover
from top_items.transform.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class Publication:
    feed_date: str
    rows: dict[str, int] = field(default_factory=dict)
    withheld: list[str] = field(default_factory=list)
    seconds: float = 0.0


def publish(conn, workspace: Workspace, *, withhold: Iterable[str] = (),
            models: Iterable[Model] | None = None) -> Publication:
    """Move the build of ``workspace`` into the published tables; ``withhold``: models not to publish."""
    started = time.monotonic()
    withheld = set(withhold)
    result = Publication(workspace.feed_date, withheld=sorted(withheld))
    with conn.transaction():
        # Publications of different days touch different rows; the lock only orders first-time table creation.
        conn.execute("select pg_advisory_xact_lock(hashtext('top_items.publish'))")
        for model in models if models is not None else discover():
            if model.layer in PUBLISHED_LAYERS and model.qualified_name not in withheld:
                result.rows[model.qualified_name] = _publish_model(conn, workspace, model)
    result.seconds = time.monotonic() - started
    log.info("published %s: %s%s in %.2fs", workspace.feed_date,
             ", ".join(f"{name} {rows}" for name, rows in result.rows.items()),
             f"; withheld {', '.join(result.withheld)}" if result.withheld else "", result.seconds)
    return result


def _publish_model(conn, workspace: Workspace, model: Model) -> int:
    source = workspace.identifier(model.qualified_name)
    target = sql.Identifier(model.layer, model.name)
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(model.layer)))
    built, published = columns(conn, workspace.relation(model.qualified_name)), columns(conn, model.qualified_name)
    if published and published != built:
        log.warning("columns of %s changed (%s -> %s): the published table is rebuilt from this day",
                    model.qualified_name, published, built)
        conn.execute(sql.SQL("drop table {} cascade").format(target))
        published = []
    if not published:
        conn.execute(sql.SQL("create table {} (like {})").format(target, source))
    if model.materialized == "incremental":
        conn.execute(sql.SQL("delete from {} where feed_date = %s").format(target), (workspace.feed_date,))
    else:
        conn.execute(sql.SQL("truncate {}").format(target))
    return conn.execute(sql.SQL("insert into {} select * from {}").format(target, source)).rowcount
