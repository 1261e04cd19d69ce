"""Shared fixtures: one simulated world per test session (warehouse, moto S3, mocks), clean state per test.

The warehouse is embedded Postgres unless WAREHOUSE_URI names a server; the suite is the same either way.
Airflow's environment is set before anything imports Airflow, with its metadata in a throwaway folder.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.support.paths import REPO
from tests.support.session import AIRFLOW_HOME, SESSION_DIR, prepare, warehouse_uri


def pytest_configure(config):
    prepare()


@pytest.fixture(scope="session")
def world():
    from sandbox.world import stack

    world_dir = SESSION_DIR / "world"
    running = stack.up(world_dir, warehouse_uri=warehouse_uri())
    saved = dict(os.environ)
    os.environ.update(running.environment(REPO, airflow_home=AIRFLOW_HOME))
    try:
        yield running
    finally:
        stack.down(world_dir)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def warehouse(world):
    """An autocommit connection to an empty warehouse (every layer and run workspace dropped, raw and ops
    recreated)."""
    from top_items.connections import warehouse_connection
    from top_items.ingest.schema import ensure_schemas

    conn = warehouse_connection()
    workspaces = [name for (name,) in conn.execute("select nspname from pg_namespace where nspname like 'build\\_%'")]
    for schema in ("raw", "staging", "marts", "exports", "ops", *workspaces):
        conn.execute(f'drop schema if exists "{schema}" cascade')
    ensure_schemas(conn)
    yield conn
    conn.close()


@pytest.fixture
def s3(world):
    """A boto3 client on moto's server, with every bucket of the world emptied."""
    from sandbox.world.stack import BUCKETS
    from top_items.connections import s3_client

    client = s3_client()
    for bucket in BUCKETS:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    return client


@pytest.fixture(scope="session")
def airflow_db(world):
    """Airflow's metadata database, migrated once per session (needed by dag.test())."""
    import subprocess

    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True,
                            env=os.environ.copy())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return AIRFLOW_HOME
