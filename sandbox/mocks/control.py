"""One client for the mocks' control API (``/__mock/...``, no auth): faults, request log, config, tokens, reset.

Build it from a base URL (and the CA to trust, for the HTTPS mocks), from an Airflow-connection-shaped dict such as
``world.services["salesforce"]`` (``{"host": ..., "extra": {"ca_bundle": ...}}``), or from a ``RunningMock``.
"""

from __future__ import annotations

import os

import requests

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


class MockControl:
    """The control API of one running mock."""

    def __init__(self, url: str, ca_path: str | os.PathLike | None = None, *, http: requests.Session | None = None):
        self.url = url.rstrip("/")
        self.ca_path = str(ca_path) if ca_path else None
        self.http = http if http is not None else self.session()

    @classmethod
    def from_connection(cls, spec: dict) -> MockControl:
        """From an Airflow-connection-shaped dict: ``{"host": ..., "extra": {"ca_bundle": ...}}``."""
        return cls(spec["host"], (spec.get("extra") or {}).get("ca_bundle"))

    @classmethod
    def from_mock(cls, mock) -> MockControl:
        """From a ``mocks.launcher.RunningMock`` (its ``url`` and ``ca_path``)."""
        return cls(mock.url, mock.ca_path)

    def session(self) -> requests.Session:
        """A new requests session that trusts this mock's CA (and ignores REQUESTS_CA_BUNDLE / proxies)."""
        session = requests.Session()
        session.trust_env = False  # this machine sets REQUESTS_CA_BUNDLE, which would otherwise win over verify=
        if self.ca_path:
            session.verify = self.ca_path
        return session

    def _url(self, path: str) -> str:
        return f"{self.url}/__mock/{path}"

    def _checked(self, response: requests.Response, status: int) -> requests.Response:
        if response.status_code != status:
            raise RuntimeError(f"mock control {response.request.method} {response.url} answered "
                               f"{response.status_code}: {response.text[:300]}")
        return response

    def fault(self, **spec) -> dict:
        return self._checked(self.http.post(self._url("faults"), json=spec, timeout=10), 201).json()["faults"][0]

    def faults(self) -> list[dict]:
        return self.http.get(self._url("faults"), timeout=10).json()["faults"]

    def requests(self) -> list[dict]:
        return self.http.get(self._url("requests"), timeout=10).json()["requests"]

    def writes(self) -> list[dict]:
        """Calls that could change records (the token endpoint and reads excluded)."""
        return [
            r
            for r in self.requests()
            if r["method"] in WRITE_METHODS
            and "oauth2/token" not in r["path"]
            and not r["path"].endswith(("/batch/read",))
        ]

    def config(self, **values) -> dict:
        return self._checked(self.http.post(self._url("config"), json=values, timeout=10), 200).json()

    def token(self, ttl_seconds: float | None = None) -> str:
        r = self.http.post(self._url("tokens"), json={"ttl_seconds": ttl_seconds}, timeout=10)
        return r.json()["access_token"]

    def state(self) -> dict:
        return self.http.get(self._url("state"), timeout=10).json()

    def reset(self) -> None:
        self._checked(self.http.post(self._url("reset"), timeout=10), 200)
