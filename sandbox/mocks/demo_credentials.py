"""The one place where the simulated outside world's demo secrets live.

These are demo values for loopback mocks only; they grant nothing anywhere else.
"""

# Salesforce (mocks/salesforce): a connected app for the OAuth token endpoint, a demo user for the
# password grant, and a long-lived session id accepted without logging in (no expiry; revoked only
# by the expire_session fault, restored by /__mock/reset).
SALESFORCE_CLIENT_ID = "demo-sf-connected-app"
SALESFORCE_CLIENT_SECRET = "demo-sf-client-secret"
SALESFORCE_USERNAME = "integration@demo.example"
SALESFORCE_PASSWORD = "demo-sf-password"
SALESFORCE_ACCESS_TOKEN = "00DDEMO0000000001!demo-sf-session"

# Marketing CRM (mocks/crm, HubSpot shape): a private-app access token.
CRM_ACCESS_TOKEN = "pat-demo-crm-0000-0000-000000000001"

# Pager / chat webhook (mocks/pager).
PAGER_TOKEN = "demo-pager-token"

# Lineage receiver (mocks/lineage, Marquez's lineage API): the API key OpenLineage's HTTP transport sends.
LINEAGE_API_KEY = "demo-lineage-api-key"

# SMTP sink (mocks/smtp): the login the alert emails are submitted with, and the token its read-back API takes.
SMTP_USERNAME = "top-items-alerts"
SMTP_PASSWORD = "demo-smtp-password"
SMTP_INBOX_TOKEN = "demo-smtp-inbox-token"

STATIC_TOKENS = {
    "salesforce": (SALESFORCE_ACCESS_TOKEN,),
    "crm": (CRM_ACCESS_TOKEN,),
    "pager": (PAGER_TOKEN,),
    "lineage": (LINEAGE_API_KEY,),
    "smtp": (SMTP_INBOX_TOKEN,),
}
