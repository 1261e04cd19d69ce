"""Airflow Assets for every node of the lineage graph (top_items/lineage.py), under URIs Airflow and OpenLineage read.

- warehouse tables: ``postgres://host:port/database/schema/table`` (the Postgres provider's asset URI, which its
  OpenLineage converter turns into namespace ``postgres://host:port``, name ``database.schema.table``);
- S3 prefixes: ``s3://bucket/prefix`` (the landing prefixes, and the retailer app's handoff);
- an API consumer: its connection's base URL and the object it writes (``https://host/Top_Item__c``); neither
  Airflow nor OpenLineage has a convention for a SaaS object, so it is a plain URL.

The URIs are worked out at DAG parse time, from the connections as the environment defines them
(``AIRFLOW_CONN_<ID>``, the way this stack configures every connection): no database, no secrets backend, no network.
A connection the environment does not define gives a documented default (``DEFAULT_WAREHOUSE``, and
``https://<conn_id>.invalid`` for an API), so parsing never fails and the URIs stay stable until it is defined.
Every Airflow component must see the same connections, or the assets a task reports differ from the parsed ones.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from airflow.sdk import Asset

from top_items import lineage, settings

DEFAULT_WAREHOUSE = ("localhost", 5432, "warehouse")  # host, port, database when `warehouse` is not defined
LANDING_PREFIXES = {lineage.LANDING_FEEDS: (settings.LANDING_BUCKET, settings.FEED_PREFIX),
                    lineage.LANDING_REFERENCE: (settings.LANDING_BUCKET, settings.REFERENCE_PREFIX),
                    lineage.RETAILER_FEEDBACK: (settings.RETAILER_APP_BUCKET, settings.FEEDBACK_PREFIX)}


def defined_connection(conn_id: str):
    """The connection as the environment defines it (URI or JSON), or None: parse time reads nothing else."""
    from airflow.sdk import Connection

    value = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}", "").strip()
    if not value:
        return None
    return Connection.from_json(value, conn_id=conn_id) if value.startswith("{") else \
        Connection.from_uri(value, conn_id=conn_id)


def warehouse_location() -> tuple[str, int, str]:
    """(host, port, database) of the ``warehouse`` connection, or ``DEFAULT_WAREHOUSE``."""
    conn = defined_connection(settings.WAREHOUSE_CONN_ID)
    if conn is None or not conn.host:
        return DEFAULT_WAREHOUSE
    return conn.host, conn.port or 5432, conn.schema or DEFAULT_WAREHOUSE[2]  # an Airflow conn's schema is the db


def _api_base(conn_id: str) -> str:
    conn = defined_connection(conn_id)
    host = (conn.host or "") if conn else ""
    if "://" not in host:  # a host without a scheme is an https endpoint
        host = f"https://{host or conn_id.replace('_', '-') + '.invalid'}"
    parts = urlsplit(host)
    return f"{parts.scheme}://{parts.netloc}"


def asset(node: str) -> Asset:
    """The Asset of a node of the lineage graph."""
    layer, _, name = node.partition(".")
    if layer == "landing":
        bucket, prefix = LANDING_PREFIXES[node]
        return Asset(name=node, uri=f"s3://{bucket}/{prefix}", group="landing")
    if layer == lineage.CONSUMER_LAYER:
        return consumer(name)
    host, port, database = warehouse_location()
    return Asset(name=f"warehouse.{node}", uri=f"postgres://{host}:{port}/{database}/{layer}/{name}", group=layer)


def table(qualified_name: str) -> Asset:
    return asset(qualified_name)


def consumer(name: str) -> Asset:
    """What a consumer receives: the retailer app's handoff is an S3 prefix, the others an object behind an API."""
    from top_items.registry import consumer as registered

    spec = registered(name)
    if spec.destination == "s3":
        uri = f"s3://{settings.RETAILER_APP_BUCKET}/{settings.RETAILER_APP_PREFIX}"
    else:
        uri = f"{_api_base(spec.connection)}/{spec.object}"
    return Asset(name=lineage.consumer_node(name), uri=uri, group="consumers")


def reads(node: str) -> list[Asset]:
    """The assets ``node`` reads, as the lineage graph says: the inlets of the task that builds or pushes it."""
    return [asset(upstream) for upstream in lineage.graph().reads(node)]


def loaded_from(landing: str) -> list[Asset]:
    """The raw tables a landing prefix is loaded into: the loading task's outlets."""
    return [asset(table) for table in lineage.LOADS[landing]]


def built(model) -> list[Asset]:
    """What a model's build task makes that anybody may read: a staging model (never published, it exists only as
    the run's build); a mart or an export is made visible by ``publish``, so its build announces nothing."""
    return [asset(model.qualified_name)] if model.layer == "staging" else []


def published(models) -> list[Asset]:
    return [asset(model.qualified_name) for model in models if model.layer != "staging"]


def publish_reads(models) -> list[Asset]:
    """What the published marts and exports are made from: every table their SQL reads."""
    return [asset(node) for node in sorted({read for model in models if model.layer != "staging"
                                            for read in lineage.graph().reads(model.qualified_name)})]


def audited(datasets) -> list[Asset]:
    """The tables a gate checks: its inlets."""
    return [asset(dataset) for dataset in datasets]


# S3 prefixes need no connection: these are the same in every environment.
LANDING_FEEDS = asset(lineage.LANDING_FEEDS)
LANDING_REFERENCE = asset(lineage.LANDING_REFERENCE)
RETAILER_FEEDBACK = asset(lineage.RETAILER_FEEDBACK)
