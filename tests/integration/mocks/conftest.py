"""Fixtures for the mock services: one process per service for the session, state reset per test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from mocks import demo_credentials as creds
from mocks.launcher import RunningMock, start


@dataclass
class Control:
    """The control API of one running mock (no auth)."""

    mock: RunningMock
    http: requests.Session

    def _url(self, path: str) -> str:
        return f"{self.mock.url}/__mock/{path}"

    def fault(self, **spec) -> dict:
        r = self.http.post(self._url("faults"), json=spec, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["faults"][0]

    def faults(self) -> list[dict]:
        return self.http.get(self._url("faults"), timeout=10).json()["faults"]

    def requests(self) -> list[dict]:
        return self.http.get(self._url("requests"), timeout=10).json()["requests"]

    def config(self, **values) -> dict:
        r = self.http.post(self._url("config"), json=values, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def token(self, ttl_seconds: float | None) -> str:
        return self.http.post(self._url("tokens"), json={"ttl_seconds": ttl_seconds}, timeout=10).json()["access_token"]

    def state(self) -> dict:
        return self.http.get(self._url("state"), timeout=10).json()

    def reset(self) -> None:
        assert self.http.post(self._url("reset"), timeout=10).status_code == 200


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


def _control(mock: RunningMock) -> Control:
    control = Control(mock, mock.session())
    control.reset()
    return control


@pytest.fixture
def sf_control(salesforce_mock) -> Control:
    return _control(salesforce_mock)


@pytest.fixture
def crm_control(crm_mock) -> Control:
    return _control(crm_mock)


@pytest.fixture
def pager_control(pager_mock) -> Control:
    return _control(pager_mock)


def sf_session(mock: RunningMock) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # this machine sets REQUESTS_CA_BUNDLE, which would otherwise win over verify=
    session.verify = str(mock.ca_path)
    return session


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
