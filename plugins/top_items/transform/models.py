"""Discover the SQL models: one file per model, its layer is its folder and its schema.

A model file is a single SELECT with a header comment: ``-- grain:`` (what one row is) and
``-- materialized: view | table | incremental``. Dependencies are read from the SQL itself by a SQL parser
(sqlglot, Postgres dialect): every table the statement reads, in any clause, subquery or CTE, named with its layer
(``raw.``, ``staging.``, ``marts.``, ``exports.``), like dbt's ``ref`` but without templating. A parser, not a
pattern, so a comma join or a subquery is seen and a string or a comment that looks like ``from x.y`` is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from top_items.layers import LAYERS, SOURCE_LAYER
from top_items.settings import SQL_DIR

MATERIALIZATIONS = ("view", "table", "incremental")
HEADER = re.compile(r"^--\s*(grain|materialized)\s*:\s*(.+?)\s*$", re.MULTILINE)


class ModelError(Exception):
    pass


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path
    sql: str
    materialized: str
    grain: str
    depends_on: tuple[str, ...]  # qualified names of other models
    sources: tuple[str, ...]  # qualified raw tables

    @property
    def qualified_name(self) -> str:
        return f"{self.layer}.{self.name}"


def parse(path: Path) -> Model:
    sql = path.read_text()
    header = dict(HEADER.findall(sql))
    layer = path.parent.name
    if layer not in LAYERS:
        raise ModelError(f"{path}: models live in one of {LAYERS}")
    materialized = header.get("materialized")
    if materialized not in MATERIALIZATIONS:
        raise ModelError(
            f"{path}: header needs '-- materialized: {' | '.join(MATERIALIZATIONS)}', got {materialized!r}"
        )
    if "grain" not in header:
        raise ModelError(f"{path}: header needs '-- grain: <what one row is>'")
    refs = tables_read(sql, path)
    own = f"{layer}.{path.stem}"
    return Model(name=path.stem, layer=layer, path=path, sql=sql, materialized=materialized, grain=header["grain"],
                 depends_on=tuple(sorted(r for r in refs if not r.startswith(f"{SOURCE_LAYER}.") and r != own)),
                 sources=tuple(sorted(r for r in refs if r.startswith(f"{SOURCE_LAYER}."))))


def _identifier(node: exp.Identifier) -> str:
    # Postgres folds unquoted names to lower case; a quoted one is kept as written.
    return node.this if node.args.get("quoted") else node.this.lower()


def tables_read(sql: str, path: Path) -> set[str]:
    """Every ``layer.table`` the model's statement reads (its own CTEs aside)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise ModelError(f"{path}: not valid SQL for Postgres: {exc}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ModelError(f"{path}: a model is a single SELECT")
    ctes = {cte.alias_or_name.lower() for cte in statements[0].find_all(exp.CTE)}
    found = set()
    for table in statements[0].find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a set-returning function in FROM (generate_series, unnest) reads no table
        name, schema = _identifier(table.this), table.args.get("db")
        if schema is None:
            if name not in ctes:
                raise ModelError(f"{path}: reads {name} without its layer (write raw., staging., marts. or exports.)")
            continue
        schema = _identifier(schema)
        if schema not in (SOURCE_LAYER, *LAYERS):
            raise ModelError(f"{path}: reads {schema}.{name}; a model reads only {(SOURCE_LAYER, *LAYERS)}")
        found.add(f"{schema}.{name}")
    return found


@lru_cache(maxsize=4)
def discover(sql_dir: Path = SQL_DIR) -> tuple[Model, ...]:
    """Every model, in an order where each comes after what it reads."""
    models = {m.qualified_name: m for layer in LAYERS for m in map(parse, sorted((sql_dir / layer).glob("*.sql")))}
    for model in models.values():
        missing = [dep for dep in model.depends_on if dep not in models]
        if missing:
            raise ModelError(f"{model.path}: reads {', '.join(missing)}, which no model builds")
    ordered: list[Model] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ModelError(f"dependency cycle: {' -> '.join((*path, name))}")
        state[name] = "visiting"
        for dep in models[name].depends_on:
            visit(dep, (*path, name))
        state[name] = "done"
        ordered.append(models[name])

    for name in sorted(models, key=lambda n: (LAYERS.index(n.split(".")[0]), n)):
        visit(name, ())
    return tuple(ordered)


def by_name(name: str, sql_dir: Path = SQL_DIR) -> Model:
    for model in discover(sql_dir):
        if name in (model.name, model.qualified_name):
            return model
    raise ModelError(f"no model named {name}")

