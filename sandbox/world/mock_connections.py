"""How a running mock becomes an Airflow connection: the same shape a real account would have.

The tokens and secrets are the demo values of ``sandbox.mocks.demo_credentials`` (the one place they are set).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sandbox.mocks import demo_credentials

# The SMTP sink's read-back API, as the world's own connection: the mailbox the owners' and producers' mail lands
# in, read by the simulated world (sandbox/consumers.py), never by the product.
INBOX_CONN_ID = "smtp_inbox"
ALERT_SENDER = "top-items-alerts@example.com"  # the From of every alert email: the SMTP connection's from_email

# Lineage is best effort: a receiver that hangs costs a task at most about this per event (two per task), one that
# is down costs nothing (the connection is refused at once, one quick retry). The client's defaults (5 s, five
# retries with backoff) would add up to ten seconds per event.
LINEAGE_TIMEOUT_SECONDS = 1
LINEAGE_RETRY = {"total": 1, "connect": 1, "read": 0, "status": 1, "backoff_factor": 0.1,
                 "status_forcelist": [502, 503, 504], "allowed_methods": ["POST"]}


def connections(conn_id: str, mock) -> dict[str, dict]:
    """The Airflow connection ``conn_id`` of a running mock, and the SMTP sink's read-back beside its own."""
    found = {conn_id: airflow_connection(mock)}
    if mock.name == "smtp":
        found[INBOX_CONN_ID] = {"conn_type": "http", "host": mock.url, "password": demo_credentials.SMTP_INBOX_TOKEN}
    return found


def airflow_connection(mock) -> dict:
    if mock.name == "smtp":  # the SMTP provider's connection: plain SMTP with a login, on loopback (no TLS)
        return {"conn_type": "smtp", "host": urlsplit(mock.url).hostname, "port": mock.smtp_port,
                "login": demo_credentials.SMTP_USERNAME, "password": demo_credentials.SMTP_PASSWORD,
                "extra": {"from_email": ALERT_SENDER, "disable_tls": True, "disable_ssl": True, "timeout": 10,
                          "retry_limit": 0}}
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
