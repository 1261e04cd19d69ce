"""How a running mock becomes an Airflow connection: the same shape a real account would have.

The tokens and secrets are the demo values of ``mocks.demo_credentials`` (the one place they are set).
"""

from __future__ import annotations

from mocks import demo_credentials

# A slow receiver costs a task at most this per event (the provider also bounds each emission, 10 s by default).
LINEAGE_TIMEOUT_SECONDS = 2


def airflow_connection(mock) -> dict:
    if mock.name == "salesforce":
        return {"conn_type": "http", "host": mock.url, "login": demo_credentials.SALESFORCE_CLIENT_ID,
                "password": demo_credentials.SALESFORCE_CLIENT_SECRET,
                "extra": {"token_url": f"{mock.url}/services/oauth2/token", "ca_bundle": str(mock.ca_path)}}
    if mock.name == "lineage":  # OpenLineage's HTTP transport reads its config from the extra, its key from password
        return {"conn_type": "http", "host": mock.url, "password": demo_credentials.LINEAGE_API_KEY,
                "extra": {"transport": {"type": "http", "url": mock.url, "endpoint": "api/v1/lineage",
                                        "timeout": LINEAGE_TIMEOUT_SECONDS,
                                        "auth": {"type": "airflow_connection_api_key"}}}}
    token = {"crm": demo_credentials.CRM_ACCESS_TOKEN, "pager": demo_credentials.PAGER_TOKEN}[mock.name]
    return {"conn_type": "http", "host": mock.url, "password": token}
