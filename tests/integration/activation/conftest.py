"""Fixtures for the sync engine against the live world: export tables built by hand, the mocks' control API."""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from pathlib import Path

import pytest

from sandbox.mocks.control import MockControl
from top_items.activation.plan import map_row
from top_items.registry import consumer

REPO = Path(__file__).resolve().parents[3]
EXPORT_DDL = {
    "salesforce": """create table exports.exp_top_items_salesforce (feed_date date, top_item_key text, store_id text,
                     sku_id text, sku_name text, market_rank integer)""",
    "crm": """create table exports.exp_top_items_crm (feed_date date, store_id text, email text,
              top_items_you_dont_carry text, top_items_feed_date date)""",
    "retailer_app": "create table exports.exp_top_items_retailer_app (feed_date date, store_id text, items jsonb)",
}


def _reset_around_test(world, conn_id: str):
    control = MockControl.from_connection(world.services[conn_id])
    control.reset()
    yield control
    control.reset()


@pytest.fixture
def sf_ctl(world) -> MockControl:
    yield from _reset_around_test(world, "salesforce")


@pytest.fixture
def crm_ctl(world) -> MockControl:
    yield from _reset_around_test(world, "hubspot_crm")


@pytest.fixture
def exports(warehouse):
    warehouse.execute("create schema if not exists exports")
    for ddl in EXPORT_DDL.values():
        warehouse.execute(ddl)
    return warehouse


# -- synthetic export days ----------------------------------------------------------------------------------
def sf_day(feed_date: str, stores: int = 5, skus: int = 6, *, drop=(), rename=(), extra=()) -> list[dict]:
    """stores x skus Top_Item rows; ``drop``/``rename`` keys, ``extra`` (store, sku) pairs added."""
    pairs = [(f"S{s:03d}", f"K{k:03d}") for s in range(1, stores + 1) for k in range(1, skus + 1)] + list(extra)
    rows = []
    for rank, (store, sku) in enumerate(pairs, start=1):
        key = f"{store}:{sku}"
        if key in drop:
            continue
        name = f"name {sku}" + (" v2" if key in rename else "")
        rows.append({"feed_date": feed_date, "top_item_key": key, "store_id": store, "sku_id": sku,
                     "sku_name": name, "market_rank": rank % 25 + 1})
    return rows


def crm_day(feed_date: str, stores: int = 12, *, drop=(), rename=(), extra=()) -> list[dict]:
    ids = [f"S{s:03d}" for s in range(1, stores + 1)] + list(extra)
    return [{"feed_date": feed_date, "store_id": s, "email": f"{s.lower()}@demo.example",
             "top_items_you_dont_carry": "Gin; Rum" + ("; Vodka" if s in rename else ""),
             "top_items_feed_date": feed_date} for s in ids if s not in drop]


def load(conn, name: str, feed_date: str, rows: list[dict]) -> None:
    table = consumer(name).export
    conn.execute(f"delete from {table} where feed_date = %s", (feed_date,))
    if rows:
        columns = list(rows[0])
        with conn.cursor() as cur:
            cur.executemany(f"insert into {table} ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))})",
                            [tuple(r[c] for c in columns) for r in rows])


def expected(conn, name: str, feed_date: str) -> dict[str, dict]:
    """What the destination must hold: the export, mapped."""
    spec = consumer(name)
    out = {}
    with conn.cursor() as cur:
        cur.execute(f"select * from {spec.export} where feed_date = %s", (feed_date,))
        columns = [c.name for c in cur.description]
        for row in cur.fetchall():
            record = map_row(spec, dict(zip(columns, row, strict=False)))
            out[record[spec.external_id]] = record
    return out


def sf_records() -> list[dict]:
    """Every Top_Item__c, read back through simple-salesforce (SOQL query_all)."""
    from top_items.activation.destinations.salesforce import SalesforceDestination

    dest = SalesforceDestination(consumer("salesforce"))
    dest.connect()
    fields = [f for f in consumer("salesforce").field_map.values() if f]
    result = dest.sf.query_all(f"SELECT Id, {', '.join(fields)} FROM Top_Item__c")
    return [{k: v for k, v in r.items() if k != "attributes"} for r in result["records"]]


def crm_records() -> list[dict]:
    """Every company, read back through hubspot-api-client (get_page)."""
    from top_items.activation.destinations.crm import CrmDestination

    dest = CrmDestination(consumer("crm"))
    dest.connect()
    fields = [f for f in consumer("crm").field_map.values() if f]
    out, after = [], None
    while True:
        page = dest.client.crm.companies.basic_api.get_page(limit=100, after=after, properties=fields)
        out += [{"id": c.id, **{k: c.properties.get(k) for k in fields}} for c in page.results]
        if not page.paging:
            return out
        after = page.paging.next.after


def holding(name: str) -> list[dict]:
    """The records that hold recommendations: with on_remove clear_fields, a cleared company holds none."""
    spec = consumer(name)
    records = sf_records() if name == "salesforce" else crm_records()
    cleared = [r for r in records if spec.clear_fields and not any(r.get(f) for f in spec.clear_fields)]
    return [r for r in records if r not in cleared]


def assert_destination_equals_export(conn, name: str, feed_date: str) -> None:
    """Nothing lost, nothing duplicated, no orphan, every field equal, stamps included: they hold the feed date."""
    spec = consumer(name)
    records = holding(name)
    keys = [r[spec.external_id] for r in records]
    assert len(keys) == len(set(keys)), f"duplicated keys in {name}: {sorted(k for k in keys if keys.count(k) > 1)}"
    want = expected(conn, name, feed_date)
    got = {r[spec.external_id]: {k: v for k, v in r.items() if k in want.get(r[spec.external_id], {})}
           for r in records}
    if name == "crm":
        want = {k: {f: ("" if v is None else str(v)) for f, v in rec.items()} for k, rec in want.items()}
    assert sorted(got) == sorted(want), (sorted(set(got) ^ set(want)))[:20]
    assert got == want


def tuned(name: str, **changes):
    """The consumer from consumers.yml with some settings changed (small batches, short timeouts)."""
    return dataclasses.replace(consumer(name), **changes)


def destination_for(name: str, **changes):
    """The destination the registry builds for the consumer with those settings changed."""
    from top_items.activation import destinations

    return destinations.build(tuned(name, **changes))


def sync_runs(conn, name: str) -> list[dict]:
    with conn.cursor() as cur:
        cur.execute("select * from ops.sync_runs where consumer = %s order by sync_run_id", (name,))
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, r, strict=False)) for r in cur.fetchall()]


D1, D2, D3 = date(2026, 11, 23).isoformat(), date(2026, 11, 24).isoformat(), date(2026, 11, 25).isoformat()
os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")
