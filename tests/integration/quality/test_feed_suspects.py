"""Feeds that load but say nothing sure about today's stock: a store's own previous good feed sent again with a
quantity nudged, or another store's feed of the day under its id. The store (both stores, for a mix-up) has no valid
feed that day and gets no list, the rest of the day goes on, and the raw gate's warning names them; a normal day
marks nobody. So does a store whose quantities collapsed overnight (zeroed or cut, its listings kept), or whose file
lost more than a twentieth of its lines to quarantine: what is left of its feed is not its stock."""

from __future__ import annotations

import pytest

from tests.support.marketplace import Marketplace, days_before
from tests.support.quality import PREVIOUS, D, gate, good_world, outcome

EARLIER = days_before(D, 2)
STORES = [f"S{n}" for n in range(1, 11)]  # ten stores: one suspect is 10%, which warns and does not stop the day
LISTINGS = 20
NEAR_REPLAY = "stock near-identical to the previous good feed"
OTHER_STORE = "stock identical to another store's feed of the day"
COLLAPSED = "stores whose stock collapsed overnight"
QUARANTINED = "stores whose file lost lines to quarantine (null or invalid quantities)"


def _quantities(store: str, day_number: int) -> list[int]:
    """A store's own range of quantities, every one of them moving from one day to the next."""
    base = 100 * int(store[1:])
    return [base + (n + 5 * day_number) % 60 for n in range(1, LISTINGS + 1)]


def _stock(market: Marketplace, day: str, quantities: dict[str, list[int]]) -> None:
    for store, values in quantities.items():
        for n, quantity in enumerate(values, start=1):
            market.stocks(day, store, f"X{n}", quantity=quantity)


def _coverage(market: Marketplace) -> dict[str, bool]:
    return dict(market.conn.execute("select store_id, has_valid_feed from marts.fct_store_feed_coverage "
                                    "where feed_date = %s", (D,)).fetchall())


@pytest.fixture
def two_good_days(dq) -> Marketplace:
    """Ten stores with two good days behind D, so each store has a normal of its own (nothing identical)."""
    market = good_world(Marketplace(dq, snapshot=EARLIER))
    for store in STORES[2:]:
        market.store(store)
    for day_number, day in enumerate((EARLIER, PREVIOUS)):
        _stock(market, day, {store: _quantities(store, day_number) for store in STORES})
        assert gate(market.conn, "raw", day).ok
    return market


def test_a_normal_day_marks_nobody(two_good_days):
    market = two_good_days
    _stock(market, D, {store: _quantities(store, 2) for store in STORES})

    result = gate(market.conn, "raw")
    market.build(D)

    assert result.ok
    assert outcome(result, "raw.inventory_feed", NEAR_REPLAY).outcome == "pass"
    assert outcome(result, "raw.inventory_feed", OTHER_STORE).outcome == "pass"
    assert market.conn.execute("select count(*) from ops.dq_feed_suspects(%s)", (D,)).fetchone()[0] == 0
    assert _coverage(market) == dict.fromkeys(STORES, True)


def test_one_nudged_replay_store_has_no_valid_feed_and_the_others_load(two_good_days):
    market = two_good_days
    replayed = _quantities("S1", 1)
    replayed[0] += 1  # yesterday's stock, one quantity nudged: 19 of 20 pairs identical
    _stock(market, D, {"S1": replayed, **{store: _quantities(store, 2) for store in STORES[1:]}})

    result = gate(market.conn, "raw")
    market.build(D)

    assert result.ok  # one store of ten: contained, not stopped
    warning = outcome(result, "raw.inventory_feed", NEAR_REPLAY)
    assert warning.outcome == "warn" and "S1" in warning.detail
    assert _coverage(market) == {**dict.fromkeys(STORES, True), "S1": False}
    assert market.recommended(D, "S1") == [] and market.recommended(D, "S2")


def test_two_stores_with_identical_stock_both_have_no_valid_feed(two_good_days):
    market = two_good_days
    today = {store: _quantities(store, 2) for store in STORES}
    today["S3"] = today["S2"]  # S3's file holds S2's rows under S3's id
    _stock(market, D, today)

    result = gate(market.conn, "raw")
    market.build(D)

    assert result.ok
    warning = outcome(result, "raw.inventory_feed", OTHER_STORE)
    assert warning.outcome == "warn" and "S2" in warning.detail and "S3" in warning.detail
    assert outcome(result, "raw.inventory_feed", NEAR_REPLAY).outcome == "pass"
    assert _coverage(market) == {**dict.fromkeys(STORES, True), "S2": False, "S3": False}
    assert market.recommended(D, "S2") == [] and market.recommended(D, "S3") == [] and market.recommended(D, "S1")


def _only_dropped(market: Marketplace, check: str, store: str, spared: str) -> None:
    """The raw gate passes with a warning of ``check`` naming ``store`` and not ``spared``, and only ``store`` has
    no valid feed."""
    result = gate(market.conn, "raw")
    market.build(D)

    assert result.ok
    warning = outcome(result, "raw.inventory_feed", check)
    assert warning.outcome == "warn" and store in warning.detail and spared not in warning.detail
    assert _coverage(market) == {**dict.fromkeys(STORES, True), store: False}


def test_a_store_whose_quantities_were_zeroed_has_no_valid_feed(two_good_days):
    market = two_good_days
    today = {store: _quantities(store, 2) for store in STORES}
    today["S4"][:2] = [0, 0]  # two of twenty shelves emptied overnight, every listing kept: 10% collapsed
    today["S5"][0] = 0  # one of twenty (5%) is within what sales do in a day
    _stock(market, D, today)

    _only_dropped(market, COLLAPSED, "S4", spared="S5")


def test_a_store_whose_file_lost_a_tenth_of_its_lines_to_quarantine_has_no_valid_feed(two_good_days):
    market = two_good_days
    _stock(market, D, {store: _quantities(store, 2)[2:] for store in STORES[:2]})  # S1 and S2 lose two lines each
    _stock(market, D, {store: _quantities(store, 2) for store in STORES[2:]})
    market.conn.execute("update raw.inventory_feed set source_file = store_id where feed_date = %s", (D,))
    for store, reason in (("S1", "non_integer_quantity"), ("S2", "stale_file")):  # a replay has its own check
        for line in (1, 2):
            market.conn.execute("insert into raw.feed_quarantine values (%s, %s, %s, '', %s)",
                                (D, store, line, reason))

    _only_dropped(market, QUARANTINED, "S1", spared="S2")
