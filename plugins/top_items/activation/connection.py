"""Credentials come only from Airflow connections (``AIRFLOW_CONN_*`` or the metadata DB)."""

from __future__ import annotations

from top_items.activation.base import AuthError


def get_connection(conn_id: str):
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:
        raise AuthError(f"Airflow connection {conn_id!r} is not defined: cannot authenticate") from exc
