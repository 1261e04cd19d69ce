"""Each business rule of docs/models.md pinned by a world built for it, on real Postgres."""

from __future__ import annotations

from tests.support.marketplace import days_before

D = "2026-11-25"


def test_a_beer_and_wine_store_never_gets_liquor(market):
    market.store("LIQ").store("BW", license_type="beer_wine")
    market.sku("VODKA", liquor=True).sku("BEER")
    market.sold("LIQ", "VODKA", 500).sold("LIQ", "BEER", 100)
    market.stocks(D, "LIQ", "OTHER").stocks(D, "BW", "OTHER")

    market.build(D)

    assert market.recommended(D, "LIQ") == ["VODKA", "BEER"]
    assert market.recommended(D, "BW") == ["BEER"]


def test_a_50_ml_nip_is_never_recommended_but_51_ml_is(market):
    market.store("S1").sku("NIP", liquor=True, volume_ml=50).sku("SMALL", liquor=True, volume_ml=51)
    market.sold("S1", "NIP", 900, units=300).sold("S1", "SMALL", 10)
    market.stocks(D, "S1", "OTHER")

    market.build(D)

    assert market.recommended(D, "S1") == ["SMALL"]
    assert market.conn.execute(
        "select market_rank from marts.fct_market_top_skus where sku_id = 'NIP'"
    ).fetchone()[0] == 1


def test_a_seasonal_sku_only_in_its_season_including_one_that_wraps_the_year(market):
    july, december, january = "2026-07-15", "2026-12-15", "2027-01-10"
    market.store("S1")
    market.sku("PEPPERMINT", liquor=True, season=(11, 1)).sku("ROSE", season=(5, 8)).sku("BEER")
    for day in (july, december, january):
        market.sold("S1", "PEPPERMINT", 300, on=day).sold("S1", "ROSE", 200, on=day).sold("S1", "BEER", 100, on=day)
        market.stocks(day, "S1", "OTHER")
        market.build(day)

    assert market.recommended(july, "S1") == ["ROSE", "BEER"]
    assert market.recommended(december, "S1") == ["PEPPERMINT", "BEER"]
    assert market.recommended(january, "S1") == ["PEPPERMINT", "BEER"]


def test_quantity_zero_counts_as_not_carried(market):
    market.store("S1").sku("A").sku("B").sku("C")
    market.sold("S1", "A", 300).sold("S1", "B", 200).sold("S1", "C", 100)
    market.stocks(D, "S1", "A", quantity=0).stocks(D, "S1", "B", quantity=3)

    market.build(D)

    assert market.recommended(D, "S1") == ["A", "C"]


def test_ties_rank_by_revenue_then_units_then_sku_id(market):
    market.store("S1").stocks(D, "S1", "OTHER")
    for sku in ("B2", "A1", "C3", "D4"):
        market.sku(sku)
    market.sold("S1", "B2", 100, units=2).sold("S1", "A1", 100, units=2)  # same revenue, same units: sku_id decides
    market.sold("S1", "C3", 100, units=5)  # same revenue, more units: ahead of both
    market.sold("S1", "D4", 101, units=1)  # more revenue: first

    market.build(D)
    first = market.recommended(D, "S1")
    market.build(D)  # rebuilding gives the very same order

    assert first == market.recommended(D, "S1") == ["D4", "C3", "A1", "B2"]


def test_only_the_last_90_days_of_orders_count(market):
    market.store("S1").sku("OLD").sku("NEW").stocks(D, "S1", "OTHER")
    market.sold("S1", "OLD", 1000, on=days_before(D, 90))  # 91 days ago counting D: outside
    market.sold("S1", "NEW", 1, on=days_before(D, 89))  # first day of the window: inside
    market.sold("S1", "OLD", 1, on="2026-11-26")  # after D: not known on D

    market.build(D)

    assert market.recommended(D, "S1") == ["NEW"]


def test_top_25_per_market_then_first_10_per_store(market):
    market.store("S1", market_id="M1").store("S2", market_id="M2")
    for n in range(30):
        market.sku(f"K{n:02d}").sold("S1", f"K{n:02d}", 1000 - n)
    market.sold("S2", "K29", 5)
    market.stocks(D, "S1", "K00").stocks(D, "S1", "K01").stocks(D, "S2", "OTHER")

    market.build(D)

    top_m1 = market.conn.execute("select count(*), max(market_rank) from marts.fct_market_top_skus "
                                 "where market_id = 'M1'").fetchone()
    assert top_m1 == (25, 25)
    assert market.recommended(D, "S1") == [f"K{n:02d}" for n in range(2, 12)]
    ranks = market.conn.execute("select market_rank, store_rank from marts.store_missing_top_items "
                                "where store_id = 'S1' order by store_rank").fetchall()
    assert ranks[0] == (3, 1) and ranks[-1] == (12, 10)
    assert market.recommended(D, "S2") == ["K29"]  # markets never mix


def test_a_store_without_a_valid_feed_gets_nothing_not_stale_recommendations(market):
    yesterday = days_before(D, 1)
    market.store("S1").store("S2").sku("A").sold("S1", "A", 100)
    market.stocks(yesterday, "S1", "OTHER").stocks(yesterday, "S2", "OTHER").stocks(D, "S2", "OTHER")

    market.build(yesterday)
    market.build(D)

    assert market.recommended(yesterday, "S1") == ["A"]
    assert market.recommended(D, "S1") == []
    assert market.recommended(D, "S2") == ["A"]
    coverage = market.conn.execute("select store_id, has_valid_feed from marts.fct_store_feed_coverage "
                                   "where feed_date = %s order by 1", (D,)).fetchall()
    assert coverage == [("S1", False), ("S2", True)]
    app = dict(market.conn.execute("select store_id, items from exports.exp_top_items_retailer_app "
                                   "where feed_date = %s", (D,)).fetchall())
    assert list(app) == ["S2"]


def test_exports_only_reshape_the_core_model(market):
    market.store("S1").store("S2").sku("A", name="Alpha").sku("B", name="Beta").sku("C", name="Gamma")
    market.sold("S1", "A", 300).sold("S1", "B", 200).sold("S1", "C", 100)
    market.stocks(D, "S1", "B").stocks(D, "S2", "A").stocks(D, "S2", "B").stocks(D, "S2", "C")

    market.build(D)

    sf = market.conn.execute("select top_item_key, store_id, sku_id, sku_name, market_rank "
                             "from exports.exp_top_items_salesforce order by 1").fetchall()
    assert sf == [("S1:A", "S1", "A", "Alpha", 1), ("S1:C", "S1", "C", "Gamma", 3)]
    crm = market.conn.execute("select store_id, email, top_items_you_dont_carry, top_items_feed_date::text "
                              "from exports.exp_top_items_crm").fetchall()
    assert crm == [("S1", "s1@x.com", "Alpha; Gamma", D)]  # S2 carries everything: no email
    app = dict(market.conn.execute("select store_id, items from exports.exp_top_items_retailer_app").fetchall())
    assert app == {"S1": [{"sku_id": "A", "name": "Alpha", "rank": 1}, {"sku_id": "C", "name": "Gamma", "rank": 2}],
                   "S2": []}


def test_building_an_older_day_keeps_the_newer_days(market):
    market.store("S1").sku("A").sold("S1", "A", 100)
    older = days_before(D, 3)
    market.stocks(D, "S1", "OTHER").stocks(older, "S1", "OTHER")
    market.build(D)
    market.build(older)  # a backfill

    dates = [d for (d,) in market.conn.execute(
        "select distinct feed_date::text from exports.exp_top_items_salesforce order by 1")]
    assert dates == [older, D]
