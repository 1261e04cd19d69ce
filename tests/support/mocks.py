"""The mock services for the tests that exercise them: started per session, reset per test, and the vendors'
own clients pointed at them."""

from __future__ import annotations

import pytest
import requests

from sandbox.mocks import demo_credentials as creds
from sandbox.mocks.control import MockControl
from sandbox.mocks.launcher import RunningMock, start


def running_mock(name: str):
    """A session fixture: mock ``name`` in its own process, stopped at the end of the session."""

    @pytest.fixture(scope="session")
    def running(tmp_path_factory):
        mock = start(name, tmp_path_factory.mktemp(f"{name}-state"))
        try:
            yield mock
        finally:
            mock.stop()

    return running


def fresh_control(mock: RunningMock) -> MockControl:
    control = MockControl.from_mock(mock)
    control.reset()
    return control


def reset_around(spec: dict):
    """The control API of the service an Airflow connection addresses, reset before and after the test."""
    control = MockControl.from_connection(spec)
    control.reset()
    yield control
    control.reset()


def sf_session(mock: RunningMock) -> requests.Session:
    return MockControl.from_mock(mock).session()


def sf_client(mock: RunningMock, token: str = creds.SALESFORCE_ACCESS_TOKEN):
    from simple_salesforce import Salesforce

    return Salesforce(session_id=token, instance_url=mock.url, session=sf_session(mock))


def crm_client(mock: RunningMock, token: str = creds.CRM_ACCESS_TOKEN):
    from hubspot import HubSpot

    return HubSpot(access_token=token, host=mock.url)
