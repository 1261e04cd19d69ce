"""One throwaway folder per test session, and the environment every test runs in.

Airflow reads its environment once, when something first imports it: :func:`prepare` runs from the root
conftest's ``pytest_configure``, before any test module is imported.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.support.paths import REPO

SESSION_DIR = Path(tempfile.mkdtemp(prefix="top-items-tests-"))
AIRFLOW_HOME = SESSION_DIR / "airflow"
# pytest-xdist names each worker (gw0, gw1, ...); a worker's databases on a shared server carry its name.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def database_name(base: str) -> str:
    """This session's own database of that name: two workers on one Postgres server never share one."""
    return f"{base}_{WORKER}" if WORKER else base


def warehouse_uri() -> str | None:
    """WAREHOUSE_URI, with this worker's own database on that server (created if missing); None: embedded."""
    from urllib.parse import urlsplit, urlunsplit

    from sandbox.world.warehouse import ensure_database, normalize_uri

    uri = os.environ.get("WAREHOUSE_URI")
    if not uri or not WORKER:
        return uri or None
    parts = urlsplit(normalize_uri(uri))
    name = database_name(parts.path.lstrip("/") or "postgres")
    ensure_database(urlunsplit(parts._replace(path="/postgres")), name)
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare() -> None:
    for path in (REPO / "plugins", REPO):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.update({
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "SODA_CORE_TELEMETRY_ENABLED": "false",
    })
    # OpenLineage on from the start: the provider decides once per process whether its listener runs, before the
    # world (and the lineage receiver the `lineage` connection points at) is up.
    from sandbox.world.stack import openlineage_environment

    os.environ.update(openlineage_environment())
