"""The model runner: atomic rebuilds, schema changes, and incremental models that stay within their day."""

from __future__ import annotations

from pathlib import Path

import pytest

from top_items.transform.build import build
from top_items.transform.models import parse


def model(tmp_path: Path, layer: str, name: str, sql: str, materialized: str):
    (tmp_path / layer).mkdir(exist_ok=True)
    path = tmp_path / layer / f"{name}.sql"
    path.write_text(f"-- grain: test rows\n-- materialized: {materialized}\n{sql}\n")
    return parse(path)


def test_an_incremental_model_picks_up_a_new_column_with_a_full_refresh(warehouse, tmp_path):
    first = model(tmp_path, "marts", "t_inc", "select %(feed_date)s::date as feed_date, 1 as a", "incremental")
    build(warehouse, first, "2026-11-24")
    second = model(tmp_path, "marts", "t_inc", "select %(feed_date)s::date as feed_date, 1 as a, 'x' as b",
                   "incremental")

    result = build(warehouse, second, "2026-11-25")

    assert result.row_count == 1
    assert warehouse.execute("select feed_date::text, a, b from marts.t_inc").fetchall() == [("2026-11-25", 1, "x")]


def test_an_incremental_model_may_not_write_another_day(warehouse, tmp_path):
    leaking = model(tmp_path, "marts", "t_leak", "select %(feed_date)s::date - 1 as feed_date", "incremental")

    with pytest.raises(ValueError, match="feed_date other than 2026-11-25"):
        build(warehouse, leaking, "2026-11-25")

    assert warehouse.execute("select to_regclass('marts.t_leak')").fetchone()[0] is None  # rolled back whole


def test_a_failed_table_rebuild_leaves_the_old_table_readable(warehouse, tmp_path):
    good = model(tmp_path, "marts", "t_tab", "select 1 as a union all select 2", "table")
    build(warehouse, good, "2026-11-25")
    broken = model(tmp_path, "marts", "t_tab", "select 1 / 0 as a", "table")

    with pytest.raises(Exception, match="division by zero"):
        build(warehouse, broken, "2026-11-25")

    assert warehouse.execute("select count(*) from marts.t_tab").fetchone()[0] == 2


def test_a_view_whose_columns_change_is_recreated(warehouse, tmp_path):
    build(warehouse, model(tmp_path, "staging", "v", "select 1 as a, 2 as b", "view"), "2026-11-25")
    build(warehouse, model(tmp_path, "staging", "v", "select 'x' as c", "view"), "2026-11-25")

    assert warehouse.execute("select * from staging.v").fetchall() == [("x",)]


def test_every_build_is_recorded(warehouse, tmp_path):
    build(warehouse, model(tmp_path, "marts", "t_rec", "select 1 as a", "table"), "2026-11-25", run_id="r1")

    runs = warehouse.execute("select run_id, model, row_count from ops.model_runs").fetchall()
    assert runs == [("r1", "marts.t_rec", 1)]
