"""Airflow's own api-server app, with the pages' plugin mounted as Airflow mounts it, and a token its auth manager
signed."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(world, airflow_db):
    from airflow.api_fastapi.app import create_app, purge_cached_app
    from fastapi.testclient import TestClient

    with TestClient(create_app("core")) as found:
        yield found
    purge_cached_app()


@pytest.fixture(scope="module")
def token(client):
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
