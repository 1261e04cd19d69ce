"""A tiny hand-made marketplace, inserted straight into the raw layer, and a way to build every model on it."""

from __future__ import annotations

from datetime import date, timedelta

from top_items.transform.build import build
from top_items.transform.models import discover
from top_items.transform.publish import publish
from top_items.transform.workspace import Workspace

SNAPSHOT = "2026-01-01"  # by default the one reference snapshot of these worlds, in force on every feed date


class Marketplace:
    """Write raw rows by hand; each test states exactly the world its rule needs."""

    def __init__(self, conn, snapshot: str = SNAPSHOT):
        self.conn = conn
        self.snapshot = snapshot
        for table in ("stores", "skus", "order_lines"):
            conn.execute("insert into raw.snapshots values (%s, %s, 'test', 'test', 0)", (table, snapshot))

    def store(self, store_id: str, market_id: str = "M1", license_type: str = "full_liquor") -> "Marketplace":
        self.conn.execute("insert into raw.stores (store_id, store_name, market_id, license_type, email, "
                          "salesforce_account_id, snapshot_date, source_file) "
                          "values (%s, %s, %s, %s, %s, %s, %s, 'test')",
                          (store_id, f"Store {store_id}", market_id, license_type, f"{store_id}@x.com",
                           f"001{store_id}", self.snapshot))
        return self

    def sku(self, sku_id: str, *, liquor: bool = False, volume_ml: int = 750, season: tuple[int, int] | None = None,
            name: str | None = None) -> "Marketplace":
        start, end = season or (None, None)
        self.conn.execute("insert into raw.skus (sku_id, name, brand, category, is_liquor, volume_ml, "
                          "season_start_month, season_end_month, price, snapshot_date, source_file) values "
                          "(%s, %s, 'Brand', 'cat', %s, %s, %s, %s, 10, %s, 'test')",
                          (sku_id, name or f"SKU {sku_id}", liquor, volume_ml, start, end, self.snapshot))
        return self

    def sold(self, store_id: str, sku_id: str, revenue: float, units: int = 1, on: str = "2026-11-20") -> "Marketplace":
        order_id = f"O{self.conn.execute('select count(*) from raw.order_lines').fetchone()[0]}"
        self.conn.execute("insert into raw.order_lines (order_id, order_date, store_id, sku_id, units, revenue, "
                          "snapshot_date, source_file) values (%s, %s, %s, %s, %s, %s, %s, 'test')",
                          (order_id, on, store_id, sku_id, units, revenue, self.snapshot))
        return self

    def stocks(self, feed_date: str, store_id: str, sku_id: str, quantity: int = 5) -> "Marketplace":
        self.conn.execute("insert into raw.inventory_feed values (%s, %s, %s, %s, now(), 'test', 2)",
                          (feed_date, store_id, sku_id, quantity))
        return self

    def build(self, feed_date: str) -> None:
        """Build every model aside for the day and publish it, as a run whose gates all passed would."""
        workspace = Workspace(feed_date, f"test-{feed_date}")
        for model in discover():
            build(self.conn, model, workspace)
        publish(self.conn, workspace)
        workspace.drop(self.conn)

    def recommended(self, feed_date: str, store_id: str) -> list[str]:
        return [sku for (sku,) in self.conn.execute(
            "select sku_id from marts.store_missing_top_items where feed_date = %s and store_id = %s "
            "order by store_rank", (feed_date, store_id))]


def days_before(feed_date: str, days: int) -> str:
    return (date.fromisoformat(feed_date) - timedelta(days=days)).isoformat()
