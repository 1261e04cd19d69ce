"""Write-audit-publish on real Postgres: builds stay in their run's workspace until published, a publish moves
one day atomically, and what a failed or withheld build would have changed stays as it was."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from top_items.transform.build import build
from top_items.transform.models import parse
from top_items.transform.publish import publish
from top_items.transform.workspace import Workspace, drop_leftovers

D, OTHER = "2026-11-25", "2026-11-24"


def model(tmp_path: Path, layer: str, name: str, sql: str, materialized: str):
    (tmp_path / layer).mkdir(exist_ok=True)
    path = tmp_path / layer / f"{name}.sql"
    path.write_text(f"-- grain: test rows\n-- materialized: {materialized}\n{sql}\n")
    return parse(path)


def rows(conn, relation: str) -> list[tuple]:
    return conn.execute(f"select * from {relation} order by 1").fetchall()


def build_and_publish(conn, models, feed_date: str, run_id: str = "r1") -> Workspace:
    workspace = Workspace(feed_date, run_id)
    for each in models:
        build(conn, each, workspace)
    publish(conn, workspace, models=models)
    return workspace


def published_then_built_aside(conn, models) -> Workspace:
    """The models published for OTHER, then built aside for D and not yet published."""
    build_and_publish(conn, models, OTHER)
    workspace = Workspace(D, "r2")
    for each in models:
        build(conn, each, workspace)
    return workspace


class TestBuildAside:
    def test_a_build_is_invisible_until_published(self, warehouse, tmp_path):
        day = model(tmp_path, "marts", "t_day", "select %(feed_date)s::date as feed_date, 1 as a", "incremental")
        workspace = Workspace(D, "r1")

        build(warehouse, day, workspace)

        assert warehouse.execute("select to_regclass('marts.t_day')").fetchone()[0] is None
        assert rows(warehouse, workspace.relation("marts.t_day")) == [(__import__("datetime").date(2026, 11, 25), 1)]

    def test_models_read_their_own_runs_upstream_models(self, warehouse, tmp_path):
        up = model(tmp_path, "marts", "t_up", "select %(feed_date)s::date as feed_date, 7 as a", "incremental")
        down = model(tmp_path, "exports", "t_down",
                     "select feed_date, a * 2 as b from marts.t_up where feed_date = %(feed_date)s::date",
                     "incremental")
        mine, theirs = Workspace(D, "mine"), Workspace(D, "theirs")
        build(warehouse, up, theirs)  # another run of the same day, half-built
        warehouse.execute(f"update {theirs.relation('marts.t_up')} set a = 100")

        build(warehouse, up, mine)
        build(warehouse, down, mine)

        assert [b for _, b in rows(warehouse, mine.relation("exports.t_down"))] == [14]

    def test_an_incremental_model_may_not_write_another_day(self, warehouse, tmp_path):
        leaking = model(tmp_path, "marts", "t_leak", "select %(feed_date)s::date - 1 as feed_date", "incremental")
        workspace = Workspace(D, "r1")

        with pytest.raises(ValueError, match="feed_date other than 2026-11-25"):
            build(warehouse, leaking, workspace)

        assert warehouse.execute("select to_regclass(%s)", (workspace.relation("marts.t_leak"),)).fetchone()[0] \
            is None  # rolled back whole

    def test_a_view_whose_columns_change_is_recreated(self, warehouse, tmp_path):
        workspace = Workspace(D, "r1")
        build(warehouse, model(tmp_path, "staging", "v", "select 1 as a, 2 as b", "view"), workspace)
        build(warehouse, model(tmp_path, "staging", "v", "select 'x' as c", "view"), workspace)

        assert rows(warehouse, workspace.relation("staging.v")) == [("x",)]

    def test_every_build_is_recorded(self, warehouse, tmp_path):
        build(warehouse, model(tmp_path, "marts", "t_rec", "select 1 as a", "table"), Workspace(D, "r1"))

        runs = warehouse.execute("select run_id, model, row_count from ops.model_runs").fetchall()
        assert runs == [("r1", "marts.t_rec", 1)]

    def test_leftover_workspaces_of_a_day_are_dropped_and_the_runs_own_is_kept(self, warehouse, tmp_path):
        table = model(tmp_path, "marts", "t_x", "select 1 as a", "table")
        crashed, mine, other_day = Workspace(D, "crashed"), Workspace(D, "mine"), Workspace(OTHER, "other")
        for workspace in (crashed, mine, other_day):
            build(warehouse, table, workspace)

        dropped = drop_leftovers(warehouse, D, keep=mine)

        assert dropped == sorted(crashed.schema(layer) for layer in ("staging", "marts", "exports"))
        for workspace, kept in ((crashed, False), (mine, True), (other_day, True)):
            assert (warehouse.execute("select to_regclass(%s)", (workspace.relation("marts.t_x"),)).fetchone()[0]
                    is not None) == kept


class TestPublish:
    def test_a_day_replaces_that_day_only(self, warehouse, tmp_path):
        day = model(tmp_path, "marts", "t_inc", "select %(feed_date)s::date as feed_date, 1 as a", "incremental")
        build_and_publish(warehouse, [day], OTHER)
        build_and_publish(warehouse, [day], D)
        build_and_publish(warehouse, [day], D, run_id="rerun")

        assert [str(d) for d, _ in rows(warehouse, "marts.t_inc")] == [OTHER, D]

    def test_a_new_column_rebuilds_the_published_table(self, warehouse, tmp_path):
        first = model(tmp_path, "marts", "t_inc", "select %(feed_date)s::date as feed_date, 1 as a", "incremental")
        build_and_publish(warehouse, [first], OTHER)
        second = model(tmp_path, "marts", "t_inc", "select %(feed_date)s::date as feed_date, 1 as a, 'x' as b",
                       "incremental")

        build_and_publish(warehouse, [second], D)

        assert warehouse.execute("select feed_date::text, a, b from marts.t_inc").fetchall() == [(D, 1, "x")]

    def test_a_withheld_export_keeps_the_previous_published_day(self, warehouse, tmp_path):
        mart = model(tmp_path, "marts", "t_m", "select %(feed_date)s::date as feed_date", "incremental")
        export = model(tmp_path, "exports", "t_e", "select %(feed_date)s::date as feed_date", "incremental")
        workspace = published_then_built_aside(warehouse, [mart, export])

        published = publish(warehouse, workspace, withhold=["exports.t_e"], models=[mart, export])

        assert published.withheld == ["exports.t_e"] and list(published.rows) == ["marts.t_m"]
        assert [str(d) for (d,) in rows(warehouse, "marts.t_m")] == [OTHER, D]
        assert [str(d) for (d,) in rows(warehouse, "exports.t_e")] == [OTHER]

    def test_a_failed_publish_changes_nothing(self, warehouse, tmp_path):
        good = model(tmp_path, "marts", "t_a", "select %(feed_date)s::date as feed_date, 1 as a", "incremental")
        other = model(tmp_path, "marts", "t_b", "select %(feed_date)s::date as feed_date, 2 as b", "incremental")
        workspace = published_then_built_aside(warehouse, [good, other])
        warehouse.execute(f"drop table {workspace.relation('marts.t_b')}")  # the second table cannot be copied

        with pytest.raises(psycopg.errors.UndefinedTable):
            publish(warehouse, workspace, models=[good, other])

        assert [str(d) for d, _ in rows(warehouse, "marts.t_a")] == [OTHER]  # the first one was rolled back too
