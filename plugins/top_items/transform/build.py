"""Build one model of a run into the run's workspace (write-audit-publish: the write).

- view: ``create view`` over the workspace's and raw's tables;
- table and incremental: ``create table as`` the model's SELECT for the run's day. An incremental model must
  hold that day only; publishing (``transform/publish.py``) replaces that day in the published table and leaves
  every other day alone, so backfills never clobber.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from top_items.rules import variables
from top_items.transform.models import Model
from top_items.transform.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelBuild:
    model: str
    materialized: str
    feed_date: str | None
    row_count: int
    seconds: float


def render(conn, model: Model, params: dict[str, Any], workspace: Workspace | None = None) -> str:
    """The model's SQL with its parameters bound as literals (also what the task log shows)."""
    text = model.sql.strip().rstrip(";")
    return psycopg.ClientCursor(conn).mogrify(workspace.rewrite(text) if workspace else text, params)


def build(conn, model: Model, workspace: Workspace, *, rules: dict[str, Any] | None = None,
          record: bool = True) -> ModelBuild:
    """``rules``: the rule parameters (default include/sql/vars.yml; a preview passes its own tree's).
    ``record``: log the build in ops.model_runs (a preview's shadow build is not a run's, so it does not)."""
    started = time.monotonic()
    feed_date = workspace.feed_date
    select = render(conn, model, {**(variables() if rules is None else rules), "feed_date": feed_date}, workspace)
    target = workspace.identifier(model.qualified_name)
    log.info("building %s (%s) for %s into %s:\n%s", model.qualified_name, model.materialized, feed_date,
             workspace.relation(model.qualified_name), select)
    with conn.transaction():
        workspace.create(conn)
        if model.materialized == "view":
            conn.execute(sql.SQL("drop view if exists {} cascade").format(target))
            conn.execute(sql.SQL("create view {} as ").format(target) + sql.SQL(select))
            rows = conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
        else:
            conn.execute(sql.SQL("drop table if exists {} cascade").format(target))
            rows = conn.execute(sql.SQL("create table {} as ").format(target) + sql.SQL(select)).rowcount
            if model.materialized == "incremental":
                _check_one_day(conn, model, target, feed_date)
            # Fresh statistics for the models built next: without them the planner guesses tiny tables and
            # picks nested loops (a 10k-row join took 50 s instead of 50 ms).
            conn.execute(sql.SQL("analyze {}").format(target))
        seconds = time.monotonic() - started
        if record:
            conn.execute("insert into ops.model_runs (run_id, model, feed_date, materialized, row_count, duration_s) "
                         "values (%s, %s, %s, %s, %s, %s)",
                         (workspace.run_id, model.qualified_name, feed_date, model.materialized, rows,
                          round(seconds, 3)))
    log.info("built %s: %d rows in %.2fs", model.qualified_name, rows, seconds)
    return ModelBuild(model.qualified_name, model.materialized, feed_date, rows, seconds)


def columns(conn, relation: str) -> list[tuple[str, str]]:
    return conn.execute("select attname, format_type(atttypid, atttypmod) from pg_attribute "
                        "where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped order by attnum",
                        (relation,)).fetchall()


def _check_one_day(conn, model: Model, target, feed_date: str) -> None:
    if "feed_date" not in {name for name, _ in columns(conn, target.as_string(conn))}:
        raise ValueError(f"{model.path}: an incremental model needs a feed_date column")
    wrong_day = conn.execute(sql.SQL("select count(*) from {} where feed_date is distinct from %s::date")
                             .format(target), (feed_date,)).fetchone()[0]
    if wrong_day:
        raise ValueError(f"{model.qualified_name}: {wrong_day} rows have a feed_date other than {feed_date}")
