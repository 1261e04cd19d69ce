"""Model discovery: every SQL model found, ordered after what it reads, with a valid header; broken trees refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from top_items.rules import variables
from top_items.settings import SQL_DIR
from top_items.transform.models import LAYERS, MATERIALIZATIONS, ModelError, discover, parse

CORE_MODEL = "marts.store_missing_top_items"
EXPORTS = ("exports.exp_top_items_salesforce", "exports.exp_top_items_crm", "exports.exp_top_items_retailer_app")
HEADER = "-- grain: one row per thing\n-- materialized: view\n"


def write_model(root: Path, relative_path: str, sql: str, header: str = HEADER) -> Path:
    path = root / relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + sql)
    return path


def sql_tree(root: Path, models: dict[str, str]) -> Path:
    for layer in LAYERS:  # discover() globs every layer folder, present or not
        (root / layer).mkdir(parents=True, exist_ok=True)
    for relative_path, sql in models.items():
        write_model(root, relative_path, sql)
    return root


def test_discover_finds_every_model_file():
    found = {model.path for model in discover()}
    assert found == {path for layer in LAYERS for path in (SQL_DIR / layer).glob("*.sql")}


def test_discover_orders_each_model_after_what_it_reads():
    position = {model.qualified_name: index for index, model in enumerate(discover())}
    for model in discover():
        assert all(position[dep] < position[model.qualified_name] for dep in model.depends_on), model.qualified_name


@pytest.mark.parametrize("name", [CORE_MODEL, *EXPORTS])
def test_the_core_model_and_one_export_per_consumer_exist(name):
    assert name in {model.qualified_name for model in discover()}


@pytest.mark.parametrize("export", EXPORTS)
def test_every_export_reads_the_core_model(export):
    assert CORE_MODEL in next(model for model in discover() if model.qualified_name == export).depends_on


def test_every_model_declares_its_grain_and_a_valid_materialization():
    for model in discover():
        assert model.grain.strip(), model.qualified_name
        assert model.materialized in MATERIALIZATIONS, model.qualified_name


def test_staging_models_read_only_raw_tables():
    for model in discover():
        if model.layer == "staging":
            assert model.sources and not model.depends_on, model.qualified_name


def test_business_rule_parameters_are_set_once_in_vars_yml():
    assert variables() == {"lookback_days": 90, "market_top_n": 25, "store_top_n": 10, "max_nip_volume_ml": 50,
                           "max_line_bytes": 4096, "max_id_length": 64, "truncated_copy_bytes": 512,
                           "reference_retention_days": 35, "override_warning_days": 14, "feedback_ttl_days": 90,
                           "landing_cutoff_hours": 5, "landing_cutoff_share": 0.9, "landing_deadline_hours": 10,
                           "landing_late_window_days": 2}


# The rules (licence, nips, seasons) live in the marts; an export only reshapes store_missing_top_items.
RULE_COLUMNS = re.compile(r"is_liquor|liquor|licen[cs]e|volume|season", re.IGNORECASE)


@pytest.mark.parametrize("export_file", sorted((SQL_DIR / "exports").glob("*.sql")), ids=lambda path: path.stem)
def test_exports_never_apply_business_rules(export_file):
    assert not RULE_COLUMNS.findall(export_file.read_text())


def test_parse_reads_dependencies_and_sources_from_the_sql(tmp_path):
    path = write_model(tmp_path, "marts/joined.sql",
                       "select * from staging.a join marts.b using (id) join raw.feed using (id) join marts.joined j")
    model = parse(path)
    assert (model.qualified_name, model.depends_on, model.sources) == (
        "marts.joined", ("marts.b", "staging.a"), ("raw.feed",))


def test_the_parser_sees_reads_a_pattern_would_miss_and_ignores_text_that_only_looks_like_one(tmp_path):
    path = write_model(tmp_path, "marts/parsed.sql", """
        with staging_copy as (select * from "staging"."a")  -- from marts.commented_out
        select s.*, 'join marts.in_a_string' as note
        from staging_copy s, staging.b
        where exists (select 1 from marts.c where c.id = s.id)
          and s.id in (select id from lateral (select id from exports.d) as x)
          and feed_date = %(feed_date)s::date
    """)
    assert parse(path).depends_on == ("exports.d", "marts.c", "staging.a", "staging.b")


@pytest.mark.parametrize(("sql", "message"), [
    ("select * from dim_stores", "without its layer"),
    ("select * from ops.sync_runs", "reads ops.sync_runs"),
    ("select 1; select 2", "single SELECT"),
    ("select * from (", "not valid SQL"),
])
def test_parse_refuses_sql_whose_reads_are_not_models(tmp_path, sql, message):
    with pytest.raises(ModelError, match=message):
        parse(write_model(tmp_path, "marts/bad.sql", sql))


@pytest.mark.parametrize(("relative_path", "header", "message"), [
    ("staging/no_header.sql", "", "materialized"),
    ("staging/unknown.sql", "-- grain: one row\n-- materialized: ephemeral\n", "ephemeral"),
    ("staging/no_grain.sql", "-- materialized: view\n", "grain"),
    ("scratch/outside.sql", HEADER, "models live in one of"),
])
def test_parse_refuses_a_malformed_model(tmp_path, relative_path, header, message):
    path = write_model(tmp_path, relative_path, "select 1", header=header)
    with pytest.raises(ModelError, match=message):
        parse(path)


def test_discover_orders_a_tree_whatever_the_file_names(tmp_path):
    # "z" sorts last but is read by "a": file order must not decide build order.
    models = discover(sql_tree(tmp_path, {
        "staging/z.sql": "select * from raw.x",
        "staging/a.sql": "select * from staging.z",
        "marts/m.sql": "select * from staging.a join staging.z using (id)",
    }))
    assert [model.qualified_name for model in models] == ["staging.z", "staging.a", "marts.m"]


def test_discover_refuses_a_dependency_cycle(tmp_path):
    root = sql_tree(tmp_path, {"marts/a.sql": "select * from marts.b", "marts/b.sql": "select * from marts.a"})
    with pytest.raises(ModelError, match="cycle"):
        discover(root)


def test_discover_refuses_a_model_that_reads_something_no_model_builds(tmp_path):
    root = sql_tree(tmp_path, {"marts/a.sql": "select * from staging.nowhere"})
    with pytest.raises(ModelError, match="staging.nowhere"):
        discover(root)
