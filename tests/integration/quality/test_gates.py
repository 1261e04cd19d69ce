"""Each gate on real Postgres: good days pass, each kind of violation fails the right check with the right
measured value, and every check of every run lands in ops.dq_results."""

from __future__ import annotations

import pytest

from tests.support.quality import (
    PREVIOUS,
    D,
    gate,
    good_world,
    outcome,
    relax_feed_constraints,
)
from top_items.quality import GateFailedError

FEED = "raw.inventory_feed"
MART = "marts.store_missing_top_items"
ALL_GATES = ("raw", "marts", "export:retailer_app", "export:salesforce", "export:crm")


def test_every_gate_passes_on_a_good_day_and_the_first_day_is_reported_as_no_history(market):
    good_world(market, D)

    for name in ALL_GATES:
        result = gate(market.conn, name)
        assert result.ok, result.failed
        assert not result.warned, result.warned

    raw = gate(market.conn, "raw", run_id="again")
    history = outcome(raw, FEED, "rows vs normal (%)")
    assert history.outcome == "no_history" and history.measured_value is None
    assert "no good day before 2026-11-25" in history.detail
    assert history in raw.passed and raw.no_history


def test_results_rows_are_written_for_every_check(market):
    good_world(market, D)

    result = gate(market.conn, "marts", run_id="run-42")

    rows = market.conn.execute(
        "select gate, dataset, check_name, level, outcome, measured_value, threshold, feed_date::text "
        "from ops.dq_results where run_id = 'run-42'").fetchall()
    assert len(rows) == len(result.checks) > 15
    by_name = {row[2]: row for row in rows}
    assert by_name["no liquor for a beer_wine store"] == (
        "marts", MART, "no liquor for a beer_wine store", "fail", "pass", 0, "must be = 0", D)
    assert by_name["market_rank: market_rank is within the market top list (1..market_top_n)"][4] == "pass"


def test_metrics_are_recorded_only_when_the_gate_passes(market):
    good_world(market, D)
    metrics = "select metric, value from ops.dq_metrics where dataset = %s and feed_date = %s order by metric"

    assert gate(market.conn, "raw").ok
    recorded = {metric: float(value) for metric, value in market.conn.execute(metrics, (FEED, D))}
    assert recorded == {"row_count": 12, "stores_reporting": 2, "stores_reporting_pct": 100, "skus_reporting": 6,
                        "quantity_sum": 46,
                        "zero_quantity_pct": pytest.approx(16.67)}  # B1 listed at zero in both stores: 2 of 12

    market.conn.execute("delete from ops.dq_metrics")
    market.stocks(D, "S1", "NEG", quantity=-1)  # a bad day (possible only by bypassing the loader)
    assert not gate(market.conn, "raw").ok
    assert market.conn.execute(metrics, (FEED, D)).fetchall() == []  # a bad day never becomes the baseline


@pytest.mark.parametrize("check_name, breakage, measured", [
    ("store_id: No missing values",
     "insert into raw.inventory_feed values ('2026-11-25', null, 'X9', 1, now(), 'f', 9)", 1),
    ("remaining_qty: remaining_qty is never negative",
     "insert into raw.inventory_feed values ('2026-11-25', 'S1', 'NEG', -4, now(), 'f', 9)", 1),
    ("one row per store, SKU and day",
     # Soda counts the extra rows
     "insert into raw.inventory_feed select * from raw.inventory_feed where store_id = 'S1' and sku_id = 'X1'", 1),
])
def test_raw_feed_violations_fail_the_right_check(market, check_name, breakage, measured):
    good_world(market, D)
    relax_feed_constraints(market.conn)
    market.conn.execute(breakage)

    result = gate(market.conn, "raw")

    failed = outcome(result, FEED, check_name)
    assert (failed.outcome, failed.measured_value) == ("fail", measured)
    assert [c.check_name for c in result.failed] == [check_name]
    with pytest.raises(GateFailedError) as raised:
        result.raise_for_failures()
    message = str(raised.value)
    assert (f"{FEED}: {check_name}" in message and f"measured {measured}," in message
            and "threshold must be = 0" in message)


def test_the_quarantined_share_is_bounded(market):
    good_world(market, D)  # 12 rows loaded
    for line in range(1, 4):  # 3 of 15 rows in quarantined: 20%
        market.conn.execute("insert into raw.feed_quarantine values (%s, 'f', %s, 'x', 'bad_quantity')", (D, line))

    failed = outcome(gate(market.conn, "raw"), FEED, "quarantined share of rows in (%), stale files aside")

    assert (failed.outcome, failed.measured_value, failed.threshold) == ("fail", 20, "must be <= 5; warn unless <= 2")


def test_order_lines_must_point_at_known_stores_and_skus(market):
    good_world(market, D)
    market.sold("GHOST", "B1", 10, on=PREVIOUS).sold("S1", "NOPE", 10, on=PREVIOUS)

    result = gate(market.conn, "raw")

    stores = "stores the order history references that the stores snapshot in force lacks"
    skus = "SKUs the order history references that the SKU snapshot in force lacks"
    assert outcome(result, "raw.order_lines", stores).measured_value == 1
    assert outcome(result, "raw.order_lines", skus).measured_value == 1
    assert {c.check_name for c in result.failed} == {stores, skus}
    assert "offending keys: GHOST" in outcome(result, "raw.order_lines", stores).detail  # the alert names them
    assert "offending keys: NOPE" in outcome(result, "raw.order_lines", skus).detail


@pytest.mark.parametrize("sku, check_name", [
    ("VODKA", "no liquor for a beer_wine store"),
    ("NIP", "no nips (volume at or below max_nip_volume_ml)"),
    ("ROSE", "nothing out of season"),
    ("B2", "recommended SKU is not in stock at the store"),
    ("ZZZ", "recommended SKU is in the top list of the store's market that day"),
])
def test_a_rule_breaking_recommendation_fails_the_marts_gate(market, sku, check_name):
    good_world(market, D)
    if sku == "ZZZ":
        market.sku("ZZZ")
    # S2 sells beer and wine only, and B2 is in stock there; nothing here is a market top SKU at rank 11
    market.conn.execute("insert into marts.store_missing_top_items values (%s, 'S2', %s, 11, 9)", (D, sku))

    result = gate(market.conn, "marts")

    failed = outcome(result, MART, check_name)
    assert (failed.outcome, failed.measured_value) == ("fail", 1)
    assert not result.ok


def test_more_than_ten_recommendations_for_a_store_fail(market):
    good_world(market, D)
    for rank in range(11, 13):
        market.conn.execute("insert into marts.store_missing_top_items "
                            "select feed_date, store_id, sku_id || %s, market_rank, %s "
                            "from marts.store_missing_top_items "
                            "where store_id = 'S1' and store_rank = 1", (str(rank), rank))

    result = gate(market.conn, "marts")

    assert outcome(result, MART, "store_rank: store_rank is 1..store_top_n").measured_value == 2
    top = market.conn.execute("select count(*) from marts.store_missing_top_items where store_id = 'S1'").fetchone()[0]
    per_store = outcome(result, MART, "most recommendations for one store")
    assert per_store.measured_value == top and (per_store.outcome == "fail") == (top > 10)


def test_a_missing_required_field_in_an_export_fails_its_gate(market):
    good_world(market, D)
    market.conn.execute("update exports.exp_top_items_crm set email = null where store_id = 'S2'")

    result = gate(market.conn, "export:crm")

    failed = outcome(result, "exports.exp_top_items_crm", "email: No missing values")
    assert (failed.outcome, failed.measured_value) == ("fail", 1)
    assert gate(market.conn, "export:salesforce").ok  # each consumer's gate is its own


def test_a_stale_export_fails_freshness(market):
    good_world(market, PREVIOUS, D)
    market.conn.execute("delete from exports.exp_top_items_salesforce where feed_date = %s", (D,))

    result = gate(market.conn, "export:salesforce")

    dataset = "exports.exp_top_items_salesforce"
    assert (outcome(result, dataset, "rows for the run's day exist").measured_value) == 0
    lag = outcome(result, dataset, "days the newest feed_date lags the run's date")
    assert (lag.outcome, lag.measured_value, lag.threshold) == ("fail", 1, "must be <= 0")


def test_an_export_with_a_changed_schema_fails(market):
    good_world(market, D)
    market.conn.execute("alter table exports.exp_top_items_retailer_app add column surprise text")

    failed = outcome(gate(market.conn, "export:retailer_app"), "exports.exp_top_items_retailer_app",
                     "locked schema (columns, order, types)")

    assert failed.outcome == "fail" and "surprise" in failed.detail


@pytest.mark.parametrize("drop, expected", [(3, "fail"), (1, "pass")])  # of 10 rows per store: -30% and -10%
def test_inventory_rows_are_compared_with_the_previous_good_day(market, drop, expected):
    good_world(market, PREVIOUS, D, stocked=8)
    assert gate(market.conn, "raw", PREVIOUS).ok  # the previous good day becomes the baseline
    market.conn.execute("delete from raw.inventory_feed where feed_date = %s and sku_id = any(%s)",
                        (D, [f"X{n}" for n in range(1, drop + 1)]))

    result = gate(market.conn, "raw")

    check = outcome(result, FEED, "rows vs normal (%)")
    assert (check.outcome, check.measured_value) == (expected, -drop * 10)
    assert outcome(result, FEED, "share of the store master reporting vs normal (percentage points)").outcome \
        == "pass"
    assert result.ok is (expected == "pass")


def test_a_bad_day_is_not_the_baseline_of_the_next(market):
    next_day = "2026-11-26"
    good_world(market, PREVIOUS, D, next_day, stocked=8)
    assert gate(market.conn, "raw", PREVIOUS).ok
    market.conn.execute("delete from raw.inventory_feed where feed_date = %s and sku_id like 'X%%'", (D,))
    assert not gate(market.conn, "raw", D).ok  # 20 -> 4 rows

    check = outcome(gate(market.conn, "raw", next_day), FEED, "rows vs normal (%)")

    assert (check.outcome, check.measured_value) == ("pass", 0)  # compared with PREVIOUS, not the bad day


def test_a_warn_level_breach_is_reported_without_failing_the_gate(market):
    good_world(market, D)
    market.store("S3")  # a store whose feed did not arrive

    result = gate(market.conn, "raw")

    warned = outcome(result, FEED, "stores in the snapshot in force without a feed for the day")
    assert (warned.outcome, warned.level, warned.measured_value) == ("warn", "warn", 1)
    assert result.ok and result.warned == [warned]
    result.raise_for_failures()  # does not raise
    row = market.conn.execute("select outcome, level from ops.dq_results where check_name = %s",
                              (warned.check_name,)).fetchone()
    assert row == ("warn", "warn")


def test_a_missing_table_is_a_failure_not_a_crash(market):
    good_world(market, D)
    market.conn.execute("drop table raw.skus cascade")

    result = gate(market.conn, "raw")

    assert not result.ok
    skus = [c for c in result.checks if c.dataset == "raw.skus"]
    # every check that reads the table errs; only the snapshot's age, read from raw.snapshots, can still pass
    assert {c.check_name for c in skus if c.outcome != "error"} <= {"days the skus snapshot in force is older "
                                                                     "than the run's date"}
    assert any('relation "raw.skus" does not exist' in (c.detail or "") for c in skus)
    # the other contracts of the gate were still verified
    assert outcome(result, "raw.stores", "one row per store").outcome == "pass"
    assert "raw.skus: contract verification [error]" in str(
        pytest.raises(GateFailedError, result.raise_for_failures).value
    )


def test_an_empty_day_fails_rather_than_passing_on_nothing(market):
    good_world(market, PREVIOUS)

    result = gate(market.conn, "marts", D)  # nothing was built for D

    assert [(c.check_name, c.measured_value) for c in result.failed] == [
        ("recommendations exist for the day", 0),
        ("recommendations added plus removed vs the previous published day (% of what it held)", 100)]


def test_an_unknown_gate_is_refused(dq):
    from top_items.quality import UnknownGateError

    with pytest.raises(UnknownGateError, match="export:looker"):
        gate(dq, "export:looker")


def test_a_contract_that_does_not_validate_fails_the_gate_instead_of_passing_silently(market, tmp_path):
    import shutil

    from top_items.quality import run_gate
    from top_items.settings import CONTRACTS_DIR

    good_world(market, D)
    shutil.copytree(CONTRACTS_DIR / "exports", tmp_path / "exports")
    path = tmp_path / "exports" / "exp_top_items_crm.yml"
    path.write_text(path.read_text().replace("threshold:", "treshold:"))

    result = run_gate(market.conn, "export:crm", D, run_id="typo", contracts_dir=tmp_path)

    assert [(c.check_name, c.outcome) for c in result.checks] == [("contract verification", "error")]
    with pytest.raises(GateFailedError, match="treshold"):
        result.raise_for_failures()


def test_a_gate_run_measures_the_day_once_its_checks_read_it_and_it_leaves_nothing_behind(market):
    good_world(market, PREVIOUS, D)
    assert gate(market.conn, "raw", PREVIOUS).ok
    conn = market.conn
    change = "select ops.dq_change_pct(%s, 'row_count', %s, p_gate_run => %s)::float"
    previous = conn.execute("select value from ops.dq_metrics where dataset = %s and metric = 'row_count' and "
                            "feed_date = %s", (FEED, PREVIOUS)).fetchone()[0]
    # a comparison reads the run's measure, not the table: planted at twice the normal, it reads +100%
    conn.execute("insert into ops.dq_gate_measures (gate_run, dataset, metric, value) values (%s, %s, %s, %s)",
                 ("planted", FEED, "row_count", 2 * previous))
    assert conn.execute(change, (FEED, D, "planted")).fetchone()[0] == 100.0
    with pytest.raises(Exception, match="holds no metric row_count"):  # a run that measured nothing errs
        conn.execute(change, (FEED, D, "never-measured"))
    conn.execute("delete from ops.dq_gate_measures")

    assert gate(market.conn, "raw").ok

    assert conn.execute("select count(*) from ops.dq_gate_measures").fetchone()[0] == 0
    recorded = conn.execute("select dataset, metric, value from ops.dq_metrics where feed_date = %s "
                            "order by 1, 2", (D,)).fetchall()
    measured = conn.execute("select d.dataset, m.metric, m.value from (select distinct dataset from ops.dq_metrics) "
                            "as d, lateral ops.dq_measure(d.dataset, %s) as m order by 1, 2", (D,)).fetchall()
    assert recorded == measured and any(metric.startswith("identical_pct") for _, metric, _ in recorded)
