"""The stakeholders who want a hot fix, simulated: the retailer app's feedback and the demo's overrides.

The retailer app writes what a retailer told it about its list as a CSV object under
``s3://retailer-app/feedback/feed_date=D/`` (edge contract: docs/contracts.md, "Retailer feedback"). The items it
complains about are read from the handoff the app was given (``latest.json``), as a real retailer would
pick them.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

from top_items import settings
from top_items.activation.destinations.retailer_app import read_latest


def write_feedback(s3, feed_date: str, items: list[tuple[str, str, str]], *, name: str | None = None,
                   bucket: str = settings.RETAILER_APP_BUCKET) -> str:
    """Write one feedback object of (store_id, sku_id, reason) items; returns its key."""
    body = io.StringIO()
    writer = csv.writer(body, lineterminator="\n")
    writer.writerow(settings.FEEDBACK_COLUMNS)
    writer.writerows(items)
    key = settings.feedback_prefix(feed_date) + (name or f"app-{datetime.now(UTC):%Y%m%dT%H%M%S%f}.csv")
    s3.put_object(Bucket=bucket, Key=key, Body=body.getvalue().encode(), ContentType="text/csv")
    return key


def shown(s3, bucket: str = settings.RETAILER_APP_BUCKET) -> dict[str, list[str]]:
    """Each store's SKUs in the handoff ``latest.json`` points at, in rank order."""
    pointer, _ = read_latest(s3, bucket)
    if pointer is None:
        return {}
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=pointer["manifest"])["Body"].read())
    lists = {}
    for part in manifest["files"]:
        for line in s3.get_object(Bucket=bucket, Key=part["key"])["Body"].read().decode().splitlines():
            record = json.loads(line)
            lists[record["store_id"]] = [item["sku_id"] for item in sorted(record["items"], key=lambda i: i["rank"])]
    return dict(sorted(lists.items()))


def demo_cast(stores: dict[str, list[str]], markets: dict[str, str]) -> list[str]:
    """Three stores with a full list, from different markets where there are enough: who the demo's stories touch."""
    picked, seen = [], set()
    for store, items in stores.items():
        if len(items) >= 2 and markets.get(store) not in seen:
            picked.append(store)
            seen.add(markets.get(store))
    return (picked + [s for s in stores if s not in picked and len(stores[s]) >= 2])[:3]


def demo_overrides(stores: dict[str, list[str]], markets: dict[str, str], feed_date: str) -> list:
    """Two overrides account managers might add on day D: one for a market, one about to expire for a store."""
    from top_items.overrides import Override

    first, second, _ = demo_cast(stores, markets)
    day = date.fromisoformat(feed_date)
    return [
        Override(f"am-recall-{stores[first][0]}", "suppress", stores[first][0], owner="sales-ops@example.com",
                 reason="supplier recall: do not recommend until the new batch ships", created=day,
                 expires=day + timedelta(days=60), market_id=markets[first]),
        Override(f"am-own-brand-{second}", "suppress", stores[second][1], owner="am.jordan@example.com",
                 reason="the store pushes its own brand instead this week", created=day,
                 expires=day + timedelta(days=7), store_id=second),
    ]


def demo_feedback(stores: dict[str, list[str]], markets: dict[str, str]) -> list[tuple[str, str, str]]:
    """One retailer's complaint about the first item of its list no demo override touches: it stopped stocking a
    seasonal item on purpose."""
    taken = {stores[store][index] for store, index in zip(demo_cast(stores, markets)[:2], (0, 1), strict=True)}
    store = demo_cast(stores, markets)[2]
    return [(store, next(sku for sku in stores[store] if sku not in taken), "seasonal")]
