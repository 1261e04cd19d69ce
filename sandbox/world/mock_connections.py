"""How a running mock becomes an Airflow connection: the same shape a real account would have.

The tokens and secrets are the demo values of ``sandbox.mocks.demo_credentials`` (the one place they are set).
"""

from __future__ import annotations

from sandbox.mocks import demo_credentials

# Lineage is best effort: a receiver that hangs costs a task at most about this per event (two per task), one that
# is down costs nothing (the connection is refused at once, one quick retry). The client's defaults (5 s, five
# retries with backoff) would add up to ten seconds per event.
LINEAGE_TIMEOUT_SECONDS = 1
LINEAGE_RETRY = {"total": 1, "connect": 1, "read": 0, "status": 1, "backoff_factor": 0.1,
                 "status_forcelist": [502, 503, 504], "allowed_methods": ["POST"]}


def airflow_connection(mock) -> dict:
    if mock.name == "salesforce":
        return {"conn_type": "http", "host": mock.url, "login": demo_credentials.SALESFORCE_CLIENT_ID,
                "password": demo_credentials.SALESFORCE_CLIENT_SECRET,
                "extra": {"token_url": f"{mock.url}/services/oauth2/token", "ca_bundle": str(mock.ca_path)}}
    if mock.name == "lineage":  # OpenLineage's HTTP transport reads its config from the extra, its key from password
        return {"conn_type": "http", "host": mock.url, "password": demo_credentials.LINEAGE_API_KEY,
                "extra": {"transport": {"type": "http", "url": mock.url, "endpoint": "api/v1/lineage",
                                        "timeout": LINEAGE_TIMEOUT_SECONDS, "retry": LINEAGE_RETRY,
                                        "auth": {"type": "airflow_connection_api_key"}}}}
    token = {"crm": demo_credentials.CRM_ACCESS_TOKEN, "pager": demo_credentials.PAGER_TOKEN}[mock.name]
    return {"conn_type": "http", "host": mock.url, "password": token}
