"""The world's Airflow services (sandbox/world/airflow_services.py), on this test worker's own metadata database."""

from __future__ import annotations

from contextlib import contextmanager

from sandbox.world import airflow_services
from sandbox.world.airflow_services import AirflowServices
from tests.support.session import database_name

DATABASE = database_name("airflow_services")


def services(world, home, **options) -> AirflowServices:
    return AirflowServices(world, home, database=DATABASE, **options)


@contextmanager
def running(world, home, dags: tuple[str, ...], **options):
    with airflow_services.running(world, home, dags, database=DATABASE, **options) as started:
        yield started
