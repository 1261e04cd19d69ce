"""Splitting SQL files into statements psycopg can run one at a time."""

from __future__ import annotations

import pytest

from top_items.sqlfiles import read, statements

RAW_SCHEMA = "raw/schema.sql"
TIMESTAMP_CHECK = "raw/timestamp_check.sql"


def test_raw_schema_splits_into_one_statement_per_object():
    heads = [" ".join(" ".join(line for line in stmt.splitlines() if not line.lstrip().startswith("--"))
                      .split("(")[0].split())
             for stmt in statements(read(RAW_SCHEMA))]
    assert heads == ["select pg_advisory_xact_lock", "create schema if not exists raw", "do $$ begin if to_regclass",
                     "create table if not exists raw.snapshots",
                     *(f"create table if not exists raw.{table}" for table in ("stores", "skus", "order_lines")),
                     "create or replace function raw.snapshot_in_force",
                     "do $$ begin if", "create table if not exists raw.inventory_feed", "do $$ begin if to_regclass",
                     "create or replace function raw.begin_feed_day", "create or replace function raw.attach_feed_day",
                     *(f"create table if not exists raw.{table}" for table in ("feed_quarantine", "feed_fingerprints")),
                     "create index if not exists feed_fingerprints_lookup on raw.feed_fingerprints"]


def test_a_dollar_quoted_function_body_stays_whole():
    # The bodies are full of quotes, brackets and '$': the split must treat $$ ... $$ (and a $function$ inside
    # a $outer$ block) as one token each.
    portable, newer = statements(read(TIMESTAMP_CHECK))
    assert "create or replace function raw.is_iso8601_with_offset(value text)" in portable
    assert portable.count("$$") == 2 and portable.rstrip().endswith("$$")
    assert "else substr(value, 9, 2)" in portable
    assert newer.startswith("-- Postgres 16") or "do $outer$" in newer
    assert newer.rstrip().endswith("$outer$") and "pg_input_is_valid(value, 'timestamptz')" in newer


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
