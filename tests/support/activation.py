"""Export days built by hand for the sync engine, and the consumers' settings changed one test at a time."""

from __future__ import annotations

import dataclasses
from datetime import date

from top_items.registry import consumer

EXPORT_DDL = {
    "salesforce": """create table exports.exp_top_items_salesforce (feed_date date, top_item_key text, store_id text,
                     sku_id text, sku_name text, market_rank integer)""",
    "crm": """create table exports.exp_top_items_crm (feed_date date, store_id text, email text,
              top_items_you_dont_carry text, top_items_feed_date date)""",
    "retailer_app": "create table exports.exp_top_items_retailer_app (feed_date date, store_id text, items jsonb)",
}
D1, D2, D3 = date(2026, 11, 23).isoformat(), date(2026, 11, 24).isoformat(), date(2026, 11, 25).isoformat()


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
