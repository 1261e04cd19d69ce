"""A warehouse that is not UTF8 stops start-up with a message that says what to do."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from sandbox.world.warehouse import check_utf8


@pytest.fixture
def sql_ascii_database(world):
    admin = urlunsplit(urlsplit(world.warehouse_uri)._replace(path="/postgres"))
    name = "top_items_sql_ascii_check"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name}")
        conn.execute(f"create database {name} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0")
    yield urlunsplit(urlsplit(world.warehouse_uri)._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database {name} with (force)")


def test_a_sql_ascii_warehouse_is_refused_with_the_fix(sql_ascii_database):
    with pytest.raises(RuntimeError, match=r"encoded SQL_ASCII, not UTF8.*encoding 'UTF8' template template0"):
        check_utf8(sql_ascii_database)


def test_the_world_warehouse_is_utf8(world):
    check_utf8(world.warehouse_uri)


def test_compose_init_stops_on_it_with_the_message_alone(sql_ascii_database, monkeypatch, capsys):
    from sandbox.world import compose

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", sql_ascii_database)
    assert compose.main(["check-warehouse"]) == 1
    assert capsys.readouterr().err.startswith("error: the warehouse database 'top_items_sql_ascii_check' is encoded")
