"""What each consumer sees: every destination read back with the plain clients its consumer would use (boto3,
simple-salesforce, hubspot-api-client, requests). The simulated world's consumers read this way; the tests and the
fuzzer judge the product by it.

This is the one reader, and it is deliberately not the product's ``Destination.read_back()``:

- reconcile is built on ``read_back()``; a test that checked a sync through it would check the product with the
  product, and a read-back that missed or misread a record would hide the very sync that lost it;
- ``read_back()`` sees less than a consumer does: the CRM's leaves out the companies that carry no stamp of ours,
  the retailer app's reads only the run ``latest.json`` points at. "Nothing reached a consumer" has to compare
  every object in the bucket and every record in each API.

The fields read are listed here, not taken from consumers.yml, for the same reason. The product's ``read_back()``
is itself under test where reconcile is.
"""

from __future__ import annotations

import json
import os

import boto3
import requests
from hubspot import HubSpot
from simple_salesforce import Salesforce

from sandbox.mocks.control import MockControl
from sandbox.world.mock_connections import INBOX_CONN_ID
from top_items import settings
from top_items.activation.destinations.retailer_app import LATEST_KEY
from top_items.registry import consumer

SALESFORCE_FIELDS = ("Top_Item_Key__c", "Store_Id__c", "Sku_Id__c", "Sku_Name__c", "Market_Rank__c", "Feed_Date__c")
CRM_PROPERTIES = ("store_id", "email", "top_items_you_dont_carry", "top_items_feed_date")
SERVICES = (consumer("salesforce").connection, consumer("crm").connection, settings.PAGER_CONN_ID,
            settings.LINEAGE_CONN_ID, INBOX_CONN_ID)


def _session(spec: dict) -> requests.Session:
    return MockControl.from_connection(spec).session()


class Destinations:
    """The destinations of one world, addressed by its Airflow connections (``world.services``)."""

    def __init__(self, services: dict[str, dict], s3_endpoint: str):
        self.services = services
        self.s3 = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="app",
                               aws_secret_access_key="app", region_name="us-east-1")

    @classmethod
    def of(cls, world) -> Destinations:
        return cls(world.services, world.s3_endpoint)

    @classmethod
    def from_environment(cls) -> Destinations:
        """The world the session's fixtures started: it publishes its services as ``AIRFLOW_CONN_*``."""
        services = {conn_id: json.loads(os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"]) for conn_id in SERVICES
                    if f"AIRFLOW_CONN_{conn_id.upper()}" in os.environ}
        return cls(services, os.environ["AWS_ENDPOINT_URL_S3"])

    def reset(self) -> None:
        for conn_id in SERVICES:
            MockControl.from_connection(self.services[conn_id]).reset()

    def retailer_app(self) -> dict[str, bytes]:
        objects = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="retailer-app"):
            for item in page.get("Contents", []):
                objects[item["Key"]] = self.s3.get_object(Bucket="retailer-app", Key=item["Key"])["Body"].read()
        return objects

    def latest(self) -> dict:
        return json.loads(self.s3.get_object(Bucket="retailer-app", Key=LATEST_KEY)["Body"].read())

    def salesforce_records(self) -> list[dict]:
        """Every Top_Item__c with its Id, through simple-salesforce (SOQL query_all)."""
        spec = self.services[consumer("salesforce").connection]
        session = _session(spec)
        token = session.post(spec["extra"]["token_url"], data={
            "grant_type": "client_credentials", "client_id": spec["login"], "client_secret": spec["password"]},
            timeout=10).json()
        sf = Salesforce(session_id=token["access_token"], instance_url=token["instance_url"], session=session)
        records = sf.query_all(f"SELECT Id, {', '.join(SALESFORCE_FIELDS)} FROM Top_Item__c")["records"]
        return [{k: v for k, v in r.items() if k != "attributes"} for r in records]

    def salesforce(self) -> list[tuple]:
        return sorted(tuple(str(record[field]) for field in SALESFORCE_FIELDS) for record in self.salesforce_records())

    def crm_records(self) -> list[dict]:
        """Every company with its id, through hubspot-api-client (get_page)."""
        spec = self.services[consumer("crm").connection]
        client = HubSpot(access_token=spec["password"], host=spec["host"])
        records, after = [], None
        while True:
            page = client.crm.companies.basic_api.get_page(limit=100, after=after, properties=list(CRM_PROPERTIES))
            records += [{"id": company.id, **{p: company.properties.get(p) for p in CRM_PROPERTIES}}
                        for company in page.results]
            if not page.paging or not page.paging.next:
                return records
            after = page.paging.next.after

    def crm(self) -> list[tuple]:
        return sorted(tuple(record[p] for p in CRM_PROPERTIES) for record in self.crm_records())

    def alerts(self) -> list[dict]:
        """What the pager received, in order: the alerts on the pager route."""
        spec = self.services[settings.PAGER_CONN_ID]
        response = _session(spec).get(f"{spec['host']}/alerts", timeout=10,
                                       headers={"Authorization": f"Bearer {spec['password']}"})
        return [alert["payload"] for alert in response.json()["alerts"]]

    def alarms(self) -> list[str]:
        """Every alert any route delivered, in order of route then arrival: each pager alert's cause (or summary),
        each email's subject and text. Whoever it reached, it is one alarm raised."""
        pages = [alert.get("cause") or alert.get("summary") or "" for alert in self.alerts()]
        return pages + [f"{mail.get('subject', '')}\n{mail.get('text', '')}" for mail in self.emails()]

    def emails(self, to: str | None = None) -> list[dict]:
        """The mail the SMTP sink accepted, in order (each with rcpt_tos, subject, headers, text), or only the mail
        delivered to ``to``: the alerts on the email route."""
        spec = self.services[INBOX_CONN_ID]
        response = _session(spec).get(f"{spec['host']}/messages", params={"to": to} if to else None, timeout=10,
                                       headers={"Authorization": f"Bearer {spec['password']}"})
        response.raise_for_status()
        return response.json()["messages"]

    def lineage(self, path: str, **params) -> dict:
        """A read of the lineage receiver's API (Marquez's), e.g. ``lineage("events/lineage")``."""
        spec = self.services[settings.LINEAGE_CONN_ID]
        response = _session(spec).get(f"{spec['host']}/api/v1/{path}", params=params, timeout=10,
                                      headers={"Authorization": f"Bearer {spec['password']}"})
        response.raise_for_status()
        return response.json()

    def snapshot(self) -> dict:
        return {"retailer_app": self.retailer_app(), "salesforce": self.salesforce(), "crm": self.crm()}


    def lists(self) -> dict[str, dict[str, tuple]]:
        """Each consumer's list per store, by content alone (no ids, no run folders): two worlds that ran the same
        day compare equal when their consumers see the same thing."""
        pointer = json.loads(self.retailer_app().get(LATEST_KEY, b"null"))
        app = {}
        if pointer:
            manifest = json.loads(self._object(pointer["manifest"]))
            for part in manifest["files"]:
                for line in self._object(part["key"]).decode().splitlines():
                    record = json.loads(line)
                    app[record["store_id"]] = (pointer["feed_date"], json.dumps(record["items"], sort_keys=True))
        salesforce: dict[str, list] = {}
        for record in self.salesforce_records():
            salesforce.setdefault(record["Store_Id__c"], []).append(
                tuple(str(record[field]) for field in SALESFORCE_FIELDS[2:]))
        crm = {record["store_id"]: (record["top_items_you_dont_carry"], record["top_items_feed_date"])
               for record in self.crm_records()}
        return {"retailer_app": app, "salesforce": {store: tuple(sorted(items)) for store, items in salesforce.items()},
                "crm": crm}

    def _object(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=settings.RETAILER_APP_BUCKET, Key=key)["Body"].read()
