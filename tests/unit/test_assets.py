"""Asset URIs in the conventions Airflow and OpenLineage read, worked out at parse time from the connections."""

from __future__ import annotations

import json

import pytest
from airflow.providers.openlineage.utils.utils import translate_airflow_asset
from airflow.sdk import Asset

from top_items import assets, registry, settings
from top_items.lineage_extractor import dataset

WAREHOUSE = f"AIRFLOW_CONN_{settings.WAREHOUSE_CONN_ID.upper()}"


@pytest.mark.parametrize("value", [
    "postgresql://etl:secret@db.internal:6543/analytics",
    json.dumps({"conn_type": "postgres", "host": "db.internal", "port": 6543, "schema": "analytics",
                "login": "etl", "password": "secret"}),
], ids=["uri", "json"])
def test_a_table_is_a_postgres_uri_of_the_warehouse_connection(monkeypatch, value):
    monkeypatch.setenv(WAREHOUSE, value)
    table = assets.table("marts.dim_stores")
    assert table.uri == "postgres://db.internal:6543/analytics/marts/dim_stores"
    assert Asset(name="check", uri=table.uri).uri == table.uri  # already in the Postgres provider's normal form
    ol = translate_airflow_asset(table, None)
    assert (ol.namespace, ol.name) == ("postgres://db.internal:6543", "analytics.marts.dim_stores")


def test_without_the_connection_parsing_uses_the_documented_default(monkeypatch):
    monkeypatch.delenv(WAREHOUSE, raising=False)
    host, port, database = assets.DEFAULT_WAREHOUSE
    assert assets.table("raw.skus").uri == f"postgres://{host}:{port}/{database}/raw/skus"


def test_the_port_defaults_to_postgres_own(monkeypatch):
    monkeypatch.setenv(WAREHOUSE, "postgresql://etl@db.internal/analytics")
    assert assets.table("raw.skus").uri == "postgres://db.internal:5432/analytics/raw/skus"


def test_s3_assets_are_bucket_and_prefix():
    assert assets.LANDING_FEEDS.uri == f"s3://{settings.LANDING_BUCKET}/{settings.FEED_PREFIX}"
    ol = translate_airflow_asset(assets.consumer("retailer_app"), None)
    assert (ol.namespace, ol.name) == (f"s3://{settings.RETAILER_APP_BUCKET}", settings.RETAILER_APP_PREFIX)


def test_an_api_consumer_is_its_connection_host_and_object_and_still_an_openlineage_dataset(monkeypatch):
    monkeypatch.setenv(f"AIRFLOW_CONN_{registry.consumer('salesforce').connection.upper()}",
                       json.dumps({"conn_type": "http", "host": "https://acme.my.example:8443"}))
    monkeypatch.delenv(f"AIRFLOW_CONN_{registry.consumer('crm').connection.upper()}", raising=False)
    salesforce = assets.consumer("salesforce")
    assert salesforce.uri == "https://acme.my.example:8443/Top_Item__c"
    assert assets.consumer("crm").uri == "https://hubspot-crm.invalid/companies"  # not defined at parse time
    ol = dataset(salesforce)  # no provider converts https: the extractor names it as OpenLineage names any URI
    assert (ol.namespace, ol.name) == ("https://acme.my.example:8443", "Top_Item__c")
