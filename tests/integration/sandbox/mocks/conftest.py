"""Fixtures for the mock services: one process per service for the session, state reset per test."""

from __future__ import annotations

import pytest
import requests

from sandbox.mocks import demo_credentials as creds
from sandbox.mocks.control import MockControl
from sandbox.mocks.launcher import RunningMock, start


def _running(tmp_path_factory, name: str):
    mock = start(name, tmp_path_factory.mktemp(f"{name}-state"))
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(scope="session")
def salesforce_mock(tmp_path_factory):
    yield from _running(tmp_path_factory, "salesforce")


@pytest.fixture(scope="session")
def crm_mock(tmp_path_factory):
    yield from _running(tmp_path_factory, "crm")


@pytest.fixture(scope="session")
def pager_mock(tmp_path_factory):
    yield from _running(tmp_path_factory, "pager")


@pytest.fixture(scope="session")
def lineage_mock(tmp_path_factory):
    yield from _running(tmp_path_factory, "lineage")


def _control(mock: RunningMock) -> MockControl:
    control = MockControl.from_mock(mock)
    control.reset()
    return control


@pytest.fixture
def sf_control(salesforce_mock) -> MockControl:
    return _control(salesforce_mock)


@pytest.fixture
def crm_control(crm_mock) -> MockControl:
    return _control(crm_mock)


@pytest.fixture
def pager_control(pager_mock) -> MockControl:
    return _control(pager_mock)


def sf_session(mock: RunningMock) -> requests.Session:
    return MockControl.from_mock(mock).session()


def sf_client(mock: RunningMock, token: str = creds.SALESFORCE_ACCESS_TOKEN):
    from simple_salesforce import Salesforce

    return Salesforce(session_id=token, instance_url=mock.url, session=sf_session(mock))


@pytest.fixture
def sf(salesforce_mock, sf_control):
    """A simple-salesforce client on a freshly reset Salesforce mock (static demo session id)."""
    return sf_client(salesforce_mock)


def crm_client(mock: RunningMock, token: str = creds.CRM_ACCESS_TOKEN):
    from hubspot import HubSpot

    return HubSpot(access_token=token, host=mock.url)


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
