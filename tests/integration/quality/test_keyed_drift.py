"""Keyed drift on real Postgres: wrong data that keeps every total (stores moved market, a renumbered catalogue, a
nudged replay of yesterday's stock) fails the raw gate, and the alert's first line names the input, the measure and
the keys; a normal learned from a full window of good days widens the hard bound, never narrows it."""

from __future__ import annotations

import pytest

from tests.support.marketplace import days_before
from tests.support.quality import PREVIOUS, D, gate, good_world
from top_items.quality import GateFailedError


def _new_snapshot(conn, table: str, day: str, change: str, key: str) -> None:
    """Today's snapshot of ``table``: the one in force, copied, then ``change`` (an update) applied to the copy."""
    conn.execute("insert into raw.snapshots values (%s, %s, 'test', 'test', 0)", (table, day))
    columns = [c for (c,) in conn.execute("select column_name from information_schema.columns where table_schema = "
                                          "'raw' and table_name = %s and column_name <> 'snapshot_date'", (table,))]
    listed = ", ".join(columns)
    conn.execute(f"insert into raw.{table} (snapshot_date, {listed}) select %s, {listed} from raw.{table} "
                 f"where snapshot_date = raw.snapshot_in_force(%s, %s::date - 1)", (day, table, day))
    conn.execute(f"update raw.{table} set {change} where snapshot_date = %s and {key}", (day,))


def _alert(result) -> list[str]:
    assert not result.ok
    return str(pytest.raises(GateFailedError, result.raise_for_failures).value).splitlines()


def test_stores_moved_to_another_market_fail_with_the_stores_named(market):
    good_world(market, PREVIOUS, D)
    market.store("S3", market_id="M2")  # two markets, so a swap keeps the count
    assert gate(market.conn, "raw", PREVIOUS).ok

    _new_snapshot(market.conn, "stores", D, "market_id = case market_id when 'M1' then 'M2' else 'M1' end",
                  "store_id in ('S1', 'S3')")
    lines = _alert(gate(market.conn, "raw"))

    assert lines[0] == ("stores snapshot 2026-11-25: market changed for 2 of 3 stores (S1, S3), "
                        "no normal learned yet")
    assert lines[1].startswith("data-quality gate 'raw' failed")
    assert "- raw.stores: market changed [fail] measured 2" in lines[2]
    assert "S1/M1 -> M2" in lines[2]
    assert not any("markets vs normal" in line for line in lines)  # the totals held


def test_a_renumbered_catalogue_is_all_removed_and_all_added(market):
    good_world(market, PREVIOUS, D)
    assert gate(market.conn, "raw", PREVIOUS).ok

    _new_snapshot(market.conn, "skus", D, "sku_id = 'N' || sku_id", "true")
    lines = _alert(gate(market.conn, "raw"))

    assert lines[0].startswith("skus snapshot 2026-11-25: SKU ids removed for 11 of 11 SKUs (B1, B2, B3, B4, B5, ...)")
    assert any(line.startswith("- raw.skus: SKU ids added [fail] measured 11") for line in lines)


def test_a_changed_sku_attribute_is_named(market):
    good_world(market, PREVIOUS, D)
    assert gate(market.conn, "raw", PREVIOUS).ok

    _new_snapshot(market.conn, "skus", D, "category = 'other', volume_ml = 700", "sku_id in ('B1', 'B2')")
    lines = _alert(gate(market.conn, "raw"))

    assert lines[0].startswith("skus snapshot 2026-11-25: name, category, volume, season or liquor flag changed "
                               "for 2 of 11 SKUs (B1, B2)")
    assert "B1/category, volume" in "\n".join(lines)


def _stock(market, day: str, quantities: dict[str, list[int]]) -> None:
    for store, values in quantities.items():
        for n, quantity in enumerate(values, start=1):
            market.stocks(day, store, f"X{n}", quantity=quantity)


def test_yesterdays_stock_nudged_is_a_near_replay_only_for_a_store_whose_stock_moves(market):
    good_world(market)
    earlier = days_before(D, 2)
    for table in ("snapshots", "stores", "skus", "order_lines"):  # the reference is in force from the first day
        market.conn.execute(f"update raw.{table} set snapshot_date = %s", (earlier,))
    _stock(market, earlier, {"S1": list(range(1, 21)), "S2": [7] * 20})
    # S1 moves (each quantity is another's, no shelf collapses); S2 never does
    _stock(market, PREVIOUS, {"S1": [*range(2, 21), 1], "S2": [7] * 20})
    assert gate(market.conn, "raw", earlier).ok
    assert gate(market.conn, "raw", PREVIOUS).ok  # S2 is 100% identical, but has no normal to be judged by yet
    _stock(market, D, {"S1": [3, *range(3, 21), 1], "S2": [7] * 20})  # yesterday's S1, one quantity nudged

    lines = _alert(gate(market.conn, "raw"))

    assert lines[0] == ("inventory feed 2026-11-25: stock near-identical to the previous good feed for 1 of 2 stores "
                        "(S1), normally 50%")
    assert "offending keys: S1/95" in "\n".join(lines)


def test_the_feeds_counted_shares_are_its_listed_keys_over_the_stores_on_both_days(market):
    """The gate counts the feed's drift in one comparison (ops.dq_feed_compared) and lists the keys only past a
    bound (ops.dq_drift_keys): both must see the same listings, and a store that reported on one day only in neither."""
    good_world(market)
    _stock(market, PREVIOUS, {"S1": [5, 6, 7, 8], "S2": [1, 2, 3]})
    assert gate(market.conn, "raw", PREVIOUS).ok
    _stock(market, D, {"S1": [5, 6, 9]})  # X3 requantified, X4 gone
    market.stocks(D, "S1", "X9", quantity=4)  # added
    market.stocks(D, "S3", "X1", quantity=4)  # S3 did not report yesterday; S2 does not today

    shares = dict(market.conn.execute(
        "select metric, value::float from ops.dq_drift('raw.inventory_feed', %s)", (D,)).fetchall())
    keys = market.conn.execute("select metric, key from ops.dq_drift_keys('raw.inventory_feed', %s) order by 1, 2",
                               (D,)).fetchall()
    listed = dict(market.conn.execute(
        "select store_id, identical_pct::float from ops.dq_store_identical(%s)", (D,)).fetchall())

    assert keys == [("keys_added_pct", "S1:X9"), ("keys_removed_pct", "S1:X4")]
    assert shares == {"keys_added_pct": 25.0, "keys_removed_pct": 25.0, "identical_pct": 50.0}
    assert listed == {"S1": 50.0}
    drifted = "select key from ops.dq_drifted('raw.inventory_feed', %s, %s, %s)"
    assert market.conn.execute(drifted, ("keys_added_pct", D, 20)).fetchall() == [("S1:X9",)]
    assert market.conn.execute(drifted, ("keys_added_pct", D, 25)).fetchall() == []


def test_a_full_window_of_good_days_widens_the_hard_bound_never_narrows_it(market):
    good_world(market, PREVIOUS, D)
    for n in range(1, 11):
        market.store(f"T{n}", market_id="M2")
    assert gate(market.conn, "raw", PREVIOUS).ok
    _new_snapshot(market.conn, "stores", D, "market_id = 'M3'", "store_id in ('T1', 'T2', 'T3')")  # 3 of 12: 25%
    drifted = "select count(*) from ops.dq_drifted('raw.stores', 'market_changed_pct', %s, 5, 14, 3)"
    history = ("insert into ops.dq_metrics (dataset, metric, feed_date, value) "
               "select 'raw.stores', 'market_changed_pct', %s::date - n, %s from generate_series(2, %s) as n")

    assert market.conn.execute(drifted, (D,)).fetchone()[0] == 3  # no window yet: the hard bound, 5%
    market.conn.execute(history, (D, 20, 14))  # a store master that normally moves a fifth of its stores...
    assert market.conn.execute(drifted, (D,)).fetchone()[0] == 3  # ...but 13 good days are not a full window
    market.conn.execute(history.replace("generate_series(2", "generate_series(15"), (D, 22, 15))
    normal, upper, days = market.conn.execute(
        "select * from ops.dq_band('raw.stores', 'market_changed_pct', %s, 14, 3)", (D,)).fetchone()
    assert (float(normal), days) == (20, 14) and float(upper) == pytest.approx(20)  # one 22 cannot move it
    assert market.conn.execute(drifted, (D,)).fetchone()[0] == 3  # 25% is above a normal of 20% with no spread

    market.conn.execute("update ops.dq_metrics set value = 16 + (feed_date - %s::date + 15) %% 9 "
                        "where metric = 'market_changed_pct'", (D,))  # 16..24: a normal of 20 +- 2
    assert market.conn.execute(drifted, (D,)).fetchone()[0] == 0  # within its learned band: no alarm
    market.conn.execute("update ops.dq_metrics set value = 0 where metric = 'market_changed_pct'")
    assert market.conn.execute(drifted, (D,)).fetchone()[0] == 3  # a quiet normal never narrows the bound below 5%


def test_a_good_day_records_its_drift_so_the_normal_builds(market):
    good_world(market, PREVIOUS, D)
    assert gate(market.conn, "raw", PREVIOUS).ok
    assert gate(market.conn, "raw").ok

    recorded = dict(market.conn.execute(
        "select dataset || ' ' || metric, value::float from ops.dq_metrics where feed_date = %s and "
        "(metric like '%%_pct' or metric like 'identical_pct:%%') and metric not in ('zero_quantity_pct', "
        "'stores_reporting_pct', "
        "'beer_wine_pct', 'liquor_pct', 'seasonal_pct')", (D,)).fetchall())
    assert recorded == {
        "raw.stores keys_added_pct": 0, "raw.stores keys_removed_pct": 0, "raw.stores market_changed_pct": 0,
        "raw.stores license_changed_pct": 0, "raw.skus keys_added_pct": 0, "raw.skus keys_removed_pct": 0,
        "raw.skus attributes_changed_pct": 0, "raw.inventory_feed keys_added_pct": 0,
        "raw.inventory_feed keys_removed_pct": 0, "raw.inventory_feed identical_pct": 100,
        "raw.inventory_feed identical_pct:S1": 100, "raw.inventory_feed identical_pct:S2": 100}
    assert not market.conn.execute("select 1 from ops.dq_metrics where feed_date = %s and metric like '%%drift%%' "
                                   "or (feed_date = %s and metric like 'identical%%')", (PREVIOUS, PREVIOUS)).fetchall()


def test_a_drift_within_its_bounds_is_named_as_the_likely_cause_of_a_downstream_failure(market):
    from top_items.quality.gate import GateResult
    from top_items.quality.upstream import PREFIX, upstream_cause

    good_world(market, PREVIOUS, D)
    for n in range(3, 26):
        market.store(f"S{n}", market_id="M2" if n % 2 else "M1")
    assert gate(market.conn, "raw", PREVIOUS).ok
    market.conn.execute("insert into ops.dq_metrics (dataset, metric, feed_date, value) "
                        "values ('raw.stores', 'market_changed_pct', %s, 0)", (PREVIOUS,))  # its normal: none move
    assert upstream_cause(market.conn, PREVIOUS) is None  # a day like its normal explains nothing

    _new_snapshot(market.conn, "stores", D, "market_id = 'M1'", "store_id = 'S7'")  # 1 of 25: within the 5% bound
    assert gate(market.conn, "raw").ok
    cause = upstream_cause(market.conn, D)

    assert str(cause) == "stores snapshot 2026-11-25: market changed for 1 of 25 stores (S7), normally 0%"
    message = str(GateFailedError(GateResult("marts", D, "test-run", upstream=cause))).splitlines()
    assert message[0] == PREFIX + str(cause)
    assert message[1].startswith("data-quality gate 'marts' failed")


def _overrides(conn, ids: range, day: str) -> None:
    for n in ids:
        conn.execute("insert into raw.overrides (override_id, rule, sku_id, market_id, owner, reason, created, "
                     "expires, source) values (%s, 'suppress', 'B1', 'M1', 'am@example.com', 'test', %s, "
                     "%s::date + 30, 'person')", (f"O{n:03d}", day, day))


def test_a_mass_of_new_overrides_fails_and_a_few_do_not(market):
    good_world(market, PREVIOUS, D)
    _overrides(market.conn, range(1, 11), PREVIOUS)
    assert gate(market.conn, "raw", PREVIOUS).ok

    _overrides(market.conn, range(11, 20), D)  # 9 more of 19: a share, but too few to count
    assert gate(market.conn, "raw").ok
    _overrides(market.conn, range(20, 41), D)  # 30 new of 40 in force
    lines = _alert(gate(market.conn, "raw"))

    assert lines[0] == ("overrides 2026-11-25: overrides newly in force for 30 of 40 overrides "
                        "(O011, O012, O013, O014, O015, ...), no normal learned yet")
