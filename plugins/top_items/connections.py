"""Clients for the stack's connections, always through the providers' hooks.

Every library function takes its clients as arguments (so tests can hand in their own); these helpers are
what tasks and the CLI use to build them from the Airflow connections (``AIRFLOW_CONN_*``).
"""

from __future__ import annotations

from top_items import settings


def warehouse_connection():
    """A psycopg connection in autocommit mode: library code opens its own ``conn.transaction()`` blocks."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    conn = PostgresHook(postgres_conn_id=settings.WAREHOUSE_CONN_ID).get_conn()
    conn.autocommit = True
    return conn


def s3_client():
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=settings.AWS_CONN_ID).get_conn()
