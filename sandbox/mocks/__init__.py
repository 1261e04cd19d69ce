"""The simulated outside world: HTTP mocks of Salesforce, a HubSpot-shaped CRM and a pager webhook.

Start one with ``python -m sandbox.mocks.<name> --host 127.0.0.1 --port P --state-dir DIR`` or from Python
with :func:`mocks.launcher.start`.
"""
