"""Fixtures for the mock services: one process per service for the session, state reset per test."""

from __future__ import annotations

import pytest
import requests

from sandbox.mocks.control import MockControl
from tests.support.mocks import crm_client, fresh_control, running_mock, sf_client, sf_session

salesforce_mock = running_mock("salesforce")
crm_mock = running_mock("crm")
pager_mock = running_mock("pager")
lineage_mock = running_mock("lineage")


@pytest.fixture
def sf_control(salesforce_mock) -> MockControl:
    return fresh_control(salesforce_mock)


@pytest.fixture
def crm_control(crm_mock) -> MockControl:
    return fresh_control(crm_mock)


@pytest.fixture
def pager_control(pager_mock) -> MockControl:
    return fresh_control(pager_mock)


@pytest.fixture
def sf(salesforce_mock, sf_control):
    """A simple-salesforce client on a freshly reset Salesforce mock (static demo session id)."""
    return sf_client(salesforce_mock)


@pytest.fixture
def crm(crm_mock, crm_control):
    """A hubspot-api-client on a freshly reset CRM mock."""
    return crm_client(crm_mock)


@pytest.fixture
def sf_for(salesforce_mock):
    """Build a simple-salesforce client for another session id: ``sf_for(token)``."""
    return lambda token: sf_client(salesforce_mock, token)


@pytest.fixture
def sf_http(salesforce_mock) -> requests.Session:
    """A plain requests session that trusts the Salesforce mock's CA."""
    return sf_session(salesforce_mock)


@pytest.fixture
def crm_for(crm_mock):
    """Build a hubspot client for another access token: ``crm_for(token)``."""
    return lambda token: crm_client(crm_mock, token)
