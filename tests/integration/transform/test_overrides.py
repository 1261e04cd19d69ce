"""Last-mile overrides in the central SQL layer, on real Postgres: scope, naming, pins, and a life set by D only."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from top_items.overrides import Override, OverrideRefused, add

D = "2026-11-25"


def override(override_id: str, sku: str, *, rule: str = "suppress", created: str = D, expires: str = "2026-12-25",
             **scope) -> Override:
    return Override(override_id, rule, sku, owner="sales-ops@example.com", reason="a hot fix",
                    created=date.fromisoformat(created), expires=date.fromisoformat(expires), **scope)


def excluded_because(market, day: str, store: str, sku: str) -> str | None:
    return market.conn.execute("select excluded_because from marts.fct_store_top_item_candidates where feed_date = %s "
                               "and store_id = %s and sku_id = %s", (day, store, sku)).fetchone()[0]


@pytest.fixture
def three_stores(market):
    """Two full-liquor stores in M1, a beer-and-wine store in M1, one store in M2; A > B > C everywhere."""
    market.store("S1").store("S2").store("BW", license_type="beer_wine").store("T1", market_id="M2")
    market.sku("A").sku("B").sku("C")
    for store in ("S1", "T1"):
        market.sold(store, "A", 300).sold(store, "B", 200).sold(store, "C", 100)
    for store in ("S1", "S2", "BW", "T1"):
        market.stocks(D, store, "OTHER")
    return market


@pytest.mark.parametrize(("scope", "gone_from"), [
    ({"store_id": "S1"}, {"S1"}),
    ({"market_id": "M1"}, {"S1", "S2", "BW"}),
    ({"license_type": "beer_wine"}, {"BW"}),
])
def test_a_suppression_reaches_exactly_its_scope_and_is_named(three_stores, scope, gone_from):
    add(three_stores.conn, override("hotfix-1", "B", **scope))

    three_stores.build(D)

    for store in ("S1", "S2", "BW", "T1"):
        if store in gone_from:
            assert three_stores.recommended(D, store) == ["A", "C"], store
            assert excluded_because(three_stores, D, store, "B") == "override:hotfix-1"
        else:
            assert three_stores.recommended(D, store) == ["A", "B", "C"], store
            assert excluded_because(three_stores, D, store, "B") is None


def test_an_override_applies_from_created_until_the_day_before_expires_and_old_days_recompute_the_same(market):
    market.store("S1").sku("A").sku("B")
    days = ("2026-11-24", D, "2026-11-26", "2026-11-27")
    for day in days:
        market.sold("S1", "A", 300, on="2026-11-20").sold("S1", "B", 200, on="2026-11-20")
        market.stocks(day, "S1", "OTHER")
    add(market.conn, override("window", "A", created=D, expires="2026-11-27", store_id="S1"))

    for day in days:
        market.build(day)
    first = {day: market.recommended(day, "S1") for day in days}
    market.build(D)  # recomputed after later days: the same answer

    assert first == {"2026-11-24": ["A", "B"], D: ["B"], "2026-11-26": ["B"], "2026-11-27": ["A", "B"]}
    assert market.recommended(D, "S1") == ["B"]


def test_an_override_that_repeats_a_built_in_rule_is_named_by_the_rule(market):
    market.store("S1").sku("A").sku("B").sold("S1", "A", 300).sold("S1", "B", 200)
    market.stocks(D, "S1", "A")
    add(market.conn, override("redundant", "A", store_id="S1"))

    market.build(D)

    assert excluded_because(market, D, "S1", "A") == "carried"  # the override adds nothing: pull it back


def test_a_pin_keeps_an_eligible_item_in_the_store_top_list_in_market_rank_order(market):
    market.store("S1").store("S2").stocks(D, "S1", "OTHER").stocks(D, "S2", "OTHER")
    skus = [f"K{n:02d}" for n in range(1, 13)]  # 12 eligible items, 10 places
    for rank, sku in enumerate(skus):
        market.sku(sku).sold("S1", sku, 1000 - rank)
    add(market.conn, override("pin-k12", "K12", rule="pin", store_id="S1"))

    market.build(D)

    assert market.recommended(D, "S1") == [*skus[:9], "K12"]  # the pin takes the last place, ranks stay in order
    assert market.recommended(D, "S2") == skus[:10]
    pinned = market.conn.execute("select pinned_by from marts.fct_store_top_item_candidates "
                                 "where feed_date = %s and store_id = 'S1' and sku_id = 'K12'", (D,)).fetchone()[0]
    assert pinned == "pin-k12"


def test_a_pin_never_brings_back_what_a_rule_excludes(market):
    market.store("BW", license_type="beer_wine").sku("VODKA", liquor=True).sku("BEER")
    market.sold("BW", "VODKA", 500).sold("BW", "BEER", 100).stocks(D, "BW", "OTHER")
    add(market.conn, override("pin-vodka", "VODKA", rule="pin", store_id="BW"))

    market.build(D)

    assert market.recommended(D, "BW") == ["BEER"]


def test_an_override_without_owner_or_expiry_is_refused_by_the_code_and_by_the_table(warehouse):
    with pytest.raises(OverrideRefused, match="an owner is required"):
        add(warehouse, Override("x", "suppress", "A", owner=None, reason="r", created=date(2026, 11, 25),
                                expires=date(2026, 12, 1), store_id="S1"))
    with pytest.raises(OverrideRefused, match="an expiry date is required"):
        add(warehouse, Override("x", "suppress", "A", owner="me", reason="r", created=date(2026, 11, 25),
                                expires=None, store_id="S1"))
    for owner, expires in (("null", "'2026-12-01'"), ("'me'", "null"), ("''", "'2026-12-01'")):
        with pytest.raises(psycopg.errors.IntegrityError):
            warehouse.execute(f"insert into raw.overrides (override_id, rule, sku_id, store_id, owner, reason, "
                              f"created, expires, source) values ('x', 'suppress', 'A', 'S1', {owner}, 'r', "
                              f"'2026-11-25', {expires}, 'person')")
    assert warehouse.execute("select count(*) from raw.overrides").fetchone()[0] == 0


def test_an_override_is_never_edited_in_place(warehouse):
    add(warehouse, override("once", "A", store_id="S1"))
    with pytest.raises(OverrideRefused, match="exists already"):
        add(warehouse, override("once", "B", store_id="S1"))
