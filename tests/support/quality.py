"""Small worlds whose every gate passes (until a test breaks exactly one thing), and a gate's outcomes."""

from __future__ import annotations

from tests.support.marketplace import Marketplace, days_before

D = "2026-11-25"
PREVIOUS = days_before(D, 1)


def good_world(market: Marketplace, *days: str, stocked: int = 4) -> Marketplace:
    """Two stores in one market (one beer-and-wine), a few SKUs, sales, and a feed for each store and day.

    Each store lists ``stocked`` SKUs in its feed (the first ones in stock, the rest at zero), so feeds, stock and
    recommendations all have rows; every rule's trap (liquor, a nip, an out-of-season SKU) is present and sold.
    """
    market.store("S1").store("S2", license_type="beer_wine")
    market.sku("VODKA", liquor=True).sku("NIP", liquor=True, volume_ml=50).sku("ROSE", season=(5, 8))
    for n in range(1, 9):
        market.sku(f"B{n}")
    for store in ("S1", "S2"):
        market.sold(store, "VODKA", 900, on=PREVIOUS).sold(store, "NIP", 800, on=PREVIOUS)
        market.sold(store, "ROSE", 700, on=PREVIOUS)
        for n in range(1, 9):
            market.sold(store, f"B{n}", 100 - n, on=PREVIOUS)
    for day in days:
        for store in ("S1", "S2"):
            for n in range(1, stocked + 1):
                market.stocks(day, store, f"X{n}", quantity=5)
            market.stocks(day, store, "B1", quantity=0)  # listed, nothing left: not carried
            market.stocks(day, store, "B2", quantity=3)  # carried
        market.build(day)
    return market


def gate(conn, name: str, day: str = D, run_id: str = "test-run"):
    from top_items.quality import run_gate

    return run_gate(conn, name, day, run_id=run_id)


def outcome(result, dataset: str, check_name: str):
    """The one record of ``check_name`` on ``dataset`` in a gate result."""
    matches = [c for c in result.checks if c.dataset == dataset and c.check_name == check_name]
    assert len(matches) == 1, [(c.dataset, c.check_name) for c in result.checks]
    return matches[0]


def relax_feed_constraints(conn) -> None:
    """What an upstream that recreated the table without its keys would leave: NULLs and duplicates possible."""
    conn.execute("alter table raw.inventory_feed drop constraint inventory_feed_pkey")
    conn.execute("alter table raw.inventory_feed alter column store_id drop not null")
    conn.execute("alter table raw.inventory_feed alter column sku_id drop not null")
