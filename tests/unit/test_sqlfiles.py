"""Splitting SQL files into statements psycopg can run one at a time."""

from __future__ import annotations

import pytest

from top_items.sqlfiles import read, statements

RAW_SCHEMA = "raw/schema.sql"
TIMESTAMP_CHECKS = ("raw/timestamp_check_portable.sql", "raw/timestamp_check_pg16.sql")


def test_raw_schema_splits_into_one_statement_per_object():
    heads = [" ".join(line for line in stmt.splitlines() if not line.lstrip().startswith("--")).split("(")[0].strip()
             for stmt in statements(read(RAW_SCHEMA))]
    assert heads == ["create schema if not exists raw",
                     *(f"create table if not exists raw.{table}"
                       for table in ("stores", "skus", "order_lines", "inventory_feed", "feed_quarantine"))]


@pytest.mark.parametrize("path", TIMESTAMP_CHECKS)
def test_a_dollar_quoted_function_body_stays_whole(path):
    # The bodies are full of quotes, brackets and '$': the split must treat $$ ... $$ as one token.
    [function] = statements(read(path))
    assert "create or replace function raw.is_iso8601_with_offset(value text)" in function
    assert function.count("$$") == 2
    assert function.rstrip().endswith("$$")
    assert "substr(value, 5, 1)" in function or "else substr(value, 9, 2)" in function


def test_a_semicolon_inside_a_dollar_quoted_body_does_not_split_it():
    sql = "create function f() returns int language sql as $$ select 1; select 2 $$;\nselect f();"
    assert statements(sql) == ["create function f() returns int language sql as $$ select 1; select 2 $$",
                               "select f()"]


@pytest.mark.parametrize("sql", [
    "select 1;\n-- a trailing comment\n",
    "-- a leading note;\n;\nselect 1;",
    "select 1;\n\n   ;\n-- one\n-- two\n;",
])
def test_comment_only_and_empty_chunks_are_dropped(sql):
    assert [stmt.splitlines()[-1] for stmt in statements(sql)] == ["select 1"]


def test_statements_carry_no_trailing_semicolon():
    assert not [stmt for stmt in statements(read(RAW_SCHEMA)) if stmt.endswith(";")]
