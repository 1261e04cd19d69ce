"""The simulated world's Airflow users, for the simple auth manager: the admin who runs it, and each consumer's
owner (``owner_user`` in consumers.yml), who is asked when a decision about their consumer awaits a human.

Owners get the ``user`` role: they may see and act on DAG runs, not change connections or variables.
"""

from __future__ import annotations

from top_items import registry

USERS_SETTING = "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"
ADMIN = ("admin", "admin")  # (username, role): the documented demo login
OWNER_ROLE = "user"


def users() -> list[tuple[str, str]]:
    """(username, role) of every user: the admin first (the documented login), then each owner once."""
    owners = sorted({registry.owner_user(name) for name in registry.consumers()})
    return [ADMIN, *((user, OWNER_ROLE) for user in owners if user != ADMIN[0])]


def users_setting() -> str:
    """The value of ``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS``: ``name:role`` pairs, comma-separated."""
    return ",".join(f"{user}:{role}" for user, role in users())
