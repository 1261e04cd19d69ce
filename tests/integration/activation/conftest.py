"""Fixtures for the sync engine against the live world: export tables built by hand, the mocks' control API."""

from __future__ import annotations

import pytest

from sandbox.mocks.control import MockControl
from tests.support.activation import EXPORT_DDL
from tests.support.mocks import reset_around


@pytest.fixture
def sf_ctl(world) -> MockControl:
    yield from reset_around(world.services["salesforce"])


@pytest.fixture
def crm_ctl(world) -> MockControl:
    yield from reset_around(world.services["hubspot_crm"])


@pytest.fixture
def exports(warehouse):
    warehouse.execute("create schema if not exists exports")
    for ddl in EXPORT_DDL.values():
        warehouse.execute(ddl)
    return warehouse
