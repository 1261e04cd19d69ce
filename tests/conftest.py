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
    from sandbox.world.stack import empty_warehouse
    from top_items.connections import warehouse_connection

    conn = warehouse_connection()
    empty_warehouse(conn)
    yield conn
    conn.close()


@pytest.fixture
def s3(world):
    """A boto3 client on moto's server, with every bucket of the world emptied and nothing left on its landing queue."""
    from sandbox.world import landing_events, stack
    from top_items.connections import s3_client

    client = s3_client()
    stack.empty_buckets(client)
    landing_events.empty(stack.sqs_client(world), world.s3_endpoint)
    return client


@pytest.fixture(scope="session")
def airflow_db(world):
    """Airflow's metadata database, migrated once per session (needed by dag.test())."""
    import subprocess

    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True,
                            env=os.environ.copy())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return AIRFLOW_HOME
