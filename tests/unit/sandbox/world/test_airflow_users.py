"""Every consumer's owner is an Airflow user of the simulated world, however the world is started."""

from __future__ import annotations

from pathlib import Path

import yaml

from sandbox.world import airflow_users
from top_items import registry

REPO = Path(__file__).resolve().parents[4]


def test_every_owner_is_a_user_with_the_user_role_and_the_admin_comes_first():
    users = dict(airflow_users.users())
    assert list(users)[0] == airflow_users.ADMIN[0]
    for name in registry.consumers():
        assert users[registry.owner_user(name)] == airflow_users.OWNER_ROLE


def test_the_compose_stack_declares_the_same_users():
    compose = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
    assert compose["x-airflow"]["environment"][airflow_users.USERS_SETTING] == airflow_users.users_setting()


def test_the_world_environment_declares_them(tmp_path):
    from sandbox.world.stack import World

    world = World(world_dir=str(tmp_path), warehouse_uri="postgresql://u:p@127.0.0.1:1/w", embedded_warehouse=False,
                  s3_endpoint="http://127.0.0.1:2")
    assert world.environment()[airflow_users.USERS_SETTING] == airflow_users.users_setting()
