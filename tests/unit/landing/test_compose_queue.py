"""The compose stack's Airflow components are told the landing queue the compose world makes."""

from __future__ import annotations

import yaml

from sandbox.world import stack
from tests.support.paths import REPO
from top_items import settings


def test_every_airflow_component_reads_the_compose_worlds_queue_url():
    variable = f"AIRFLOW_VAR_{settings.LANDING_QUEUE_URL_VARIABLE.upper()}"
    compose = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
    assert compose["x-airflow"]["environment"][variable] == stack.compose_world().environment()[variable]
    assert compose["services"]["airflow-triggerer"]["command"] == ["airflow", "triggerer"]
