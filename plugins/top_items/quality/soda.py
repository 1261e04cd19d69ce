"""The only module that talks to Soda Core: a data source from the Airflow ``warehouse`` connection, and one
contract verification per call.

Telemetry is switched off before soda_core is imported (offline it stalls for seconds). Logging is left to the
caller: library code never calls ``soda_core.configure_logging()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ["SODA_CORE_TELEMETRY_ENABLED"] = "false"

DATA_SOURCE_NAME = "warehouse"  # the first part of every contract's `dataset:`


@dataclass
class Verification:
    """What one contract verification produced: Soda's check results and any errors it logged."""

    check_results: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def data_source_from_airflow(conn_id: str = "warehouse"):
    """A Soda Postgres data source for an Airflow connection (not yet connected)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson or {}
    connection = {
        "host": conn.host or "localhost",
        "port": conn.port or 5432,
        "database": conn.schema or "postgres",
        "user": conn.login or "postgres",
        "password": conn.password or "",
    }
    for key in ("sslmode", "sslcert", "sslkey", "sslrootcert"):
        if extra.get(key):
            connection[key] = extra[key]
    return data_source(connection)


def data_source(connection: dict):
    import soda_core.contracts  # noqa: F401  (first: it loads the plugins; soda_postgres first is a circular import)
    from soda_postgres.common.data_sources.postgres_data_source import (
        PostgresDataSourceImpl,
    )
    from soda_postgres.common.data_sources.postgres_data_source_connection import (
        PostgresDataSource,
    )

    model = PostgresDataSource.model_validate({"name": DATA_SOURCE_NAME, "type": "postgres",
                                               "connection": connection})
    return PostgresDataSourceImpl(data_source_model=model)


def database_name(data_source) -> str:
    return data_source.data_source_model.connection_properties.database


def verify(data_source, contract: Path, variables: dict[str, str]) -> Verification:
    """Verify one contract on an open data source. Soda's own exceptions become errors, never a pass."""
    from soda_core.contracts import verify_contract_locally

    try:
        session = verify_contract_locally(data_sources=[data_source], contract_file_path=str(contract),
                                          variables=variables)
    except Exception as exc:  # noqa: BLE001  Soda raises on contracts it cannot parse; anything it raises fails the check
        return Verification(errors=[f"{type(exc).__name__}: {exc}"])
    results = session.contract_verification_results
    checks = [check for result in results for check in result.check_results]
    errors = list(session.get_errors())
    if session.has_errors and not errors:
        errors = ["Soda reported an error without a message"]
    if not results:
        errors.append("Soda returned no verification result")
    return Verification(check_results=checks, errors=errors)
