"""Run the DAGs in-process and read every destination back through the clients its consumer would use."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import boto3
import pytest
import requests
from hubspot import HubSpot
from simple_salesforce import Salesforce

from sandbox.mocks.control import MockControl
from sandbox.simulate.catalog import WorldSpec
from sandbox.simulate.publish import write_day
from tests.conftest import REPO
from top_items import settings

SF_FIELDS = ("Top_Item_Key__c", "Store_Id__c", "Sku_Id__c", "Sku_Name__c", "Market_Rank__c", "Feed_Date__c")
CRM_PROPERTIES = ("store_id", "email", "top_items_you_dont_carry", "top_items_feed_date")


def run_dag(dag_id: str, feed_date: str, conf: dict | None = None):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    day = date.fromisoformat(feed_date)
    return bag.get_dag(dag_id).test(logical_date=datetime(day.year, day.month, day.day, tzinfo=timezone.utc),
                                    run_conf=conf)


def _session(spec: dict) -> requests.Session:
    return MockControl.from_connection(spec).session()


class Destinations:
    """What each consumer sees, read with plain clients (boto3, simple-salesforce, hubspot, requests)."""

    def __init__(self, world):
        self.world = world
        self.s3 = boto3.client("s3", endpoint_url=world.s3_endpoint, aws_access_key_id="app",
                               aws_secret_access_key="app", region_name="us-east-1")

    def reset(self) -> None:
        for conn_id in (settings.SALESFORCE_CONN_ID, settings.CRM_CONN_ID, settings.PAGER_CONN_ID,
                        settings.LINEAGE_CONN_ID):
            MockControl.from_connection(self.world.services[conn_id]).reset()

    def retailer_app(self) -> dict[str, bytes]:
        objects = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="retailer-app"):
            for item in page.get("Contents", []):
                objects[item["Key"]] = self.s3.get_object(Bucket="retailer-app", Key=item["Key"])["Body"].read()
        return objects

    def latest(self) -> dict:
        return json.loads(self.s3.get_object(Bucket="retailer-app", Key="top-items/latest.json")["Body"].read())

    def salesforce(self) -> list[tuple]:
        spec = self.world.services[settings.SALESFORCE_CONN_ID]
        session = _session(spec)
        token = session.post(spec["extra"]["token_url"], data={
            "grant_type": "client_credentials", "client_id": spec["login"], "client_secret": spec["password"]},
            timeout=10).json()
        sf = Salesforce(session_id=token["access_token"], instance_url=token["instance_url"], session=session)
        records = sf.query_all(f"SELECT {', '.join(SF_FIELDS)} FROM Top_Item__c")["records"]
        return sorted(tuple(str(record[field]) for field in SF_FIELDS) for record in records)

    def crm(self) -> list[tuple]:
        spec = self.world.services[settings.CRM_CONN_ID]
        client = HubSpot(access_token=spec["password"], host=spec["host"])
        rows, after = [], None
        while True:
            page = client.crm.companies.basic_api.get_page(limit=100, after=after, properties=list(CRM_PROPERTIES))
            rows += [tuple(company.properties.get(p) for p in CRM_PROPERTIES) for company in page.results]
            if not page.paging or not page.paging.next:
                return sorted(rows)
            after = page.paging.next.after

    def alerts(self) -> list[dict]:
        spec = self.world.services[settings.PAGER_CONN_ID]
        response = _session(spec).get(f"{spec['host']}/alerts", timeout=10,
                                       headers={"Authorization": f"Bearer {spec['password']}"})
        return [alert["payload"] for alert in response.json()["alerts"]]

    def lineage(self, path: str, **params) -> dict:
        """A read of the lineage receiver's API (Marquez's), e.g. ``lineage("events/lineage")``."""
        spec = self.world.services[settings.LINEAGE_CONN_ID]
        response = _session(spec).get(f"{spec['host']}/api/v1/{path}", params=params, timeout=10,
                                      headers={"Authorization": f"Bearer {spec['password']}"})
        response.raise_for_status()
        return response.json()

    def snapshot(self) -> dict:
        return {"retailer_app": self.retailer_app(), "salesforce": self.salesforce(), "crm": self.crm()}


def close_incidents() -> None:
    """Open incidents live in Airflow's metadata (top_items/alerts.py): each test starts with none, as the pager."""
    from airflow.models import Variable
    from airflow.utils.session import create_session

    from top_items.alerts import INCIDENT_PREFIX

    with create_session() as session:
        session.query(Variable).filter(Variable.key.startswith(INCIDENT_PREFIX)).delete(synchronize_session=False)


@pytest.fixture
def destinations(world, s3, airflow_db) -> Destinations:
    found = Destinations(world)
    found.reset()
    close_incidents()
    return found


# The failure stories: a good day, then a bad one. Twelve stores: one store is 8% of a day.
GOOD_DAY, BAD_DAY = "2026-11-24", "2026-11-25"
SPEC = WorldSpec(stores=12, skus=120, days=90)


@pytest.fixture
def after_a_good_day(warehouse, s3, destinations, airflow_db):
    """The destinations after a good day, as each consumer reads them; the bad day's files are written too."""
    write_day(s3, SPEC, date.fromisoformat(GOOD_DAY))
    assert run_dag("top_items_pipeline", GOOD_DAY).state == "success"
    before = destinations.snapshot()
    assert before["salesforce"] and before["crm"] and destinations.latest()["feed_date"] == GOOD_DAY
    assert destinations.alerts() == []
    write_day(s3, SPEC, date.fromisoformat(BAD_DAY))
    return before


def assert_nothing_reached_a_consumer(destinations, before: dict, cause: str, task_id: str) -> dict:
    """Every destination as it was after the good day, and exactly one alert, naming the cause; returns it."""
    assert destinations.snapshot() == before  # byte for byte in S3, record for record in the APIs
    assert destinations.latest()["feed_date"] == GOOD_DAY
    alerts = destinations.alerts()
    assert len(alerts) == 1, [a["summary"] for a in alerts]
    assert alerts[0]["task_id"] == task_id, alerts[0]
    assert cause in alerts[0]["cause"], alerts[0]["cause"]
    assert alerts[0]["feed_date"] == BAD_DAY and alerts[0]["url"]
    return alerts[0]
