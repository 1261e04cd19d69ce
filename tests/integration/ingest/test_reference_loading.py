"""Reference snapshots load whole or not at all; the newest snapshot on or before the feed date wins."""

from __future__ import annotations

import pytest

from tests.support.landing import STORES, D, put, put_reference
from top_items import settings
from top_items.ingest.reference import ReferenceSnapshotError, load_reference_snapshots, load_snapshot


def test_snapshots_load_typed_with_quoted_commas(warehouse, s3):
    put_reference(s3)

    loads = load_reference_snapshots(warehouse, s3, D)

    assert {load.table: load.rows for load in loads} == {"stores": 2, "skus": 14, "order_lines": 1}
    assert warehouse.execute("select store_name from raw.stores where store_id = 'S0001'").fetchone()[0] == \
        "Corner Beer, Wine & More"
    assert warehouse.execute("select is_liquor, volume_ml, season_start_month, price::text from raw.skus "
                             "where sku_id = 'K1'").fetchone() \
        == (False, 355, None, "19.99")


def test_the_newest_snapshot_on_or_before_the_feed_date_is_used(warehouse, s3):
    put_reference(s3, "2026-11-20")
    put(s3, settings.reference_key("stores", "2026-11-24"), STORES + "S0003,New Store,M02,full_liquor,c@x.com,001C\n")
    put(s3, settings.reference_key("stores", "2026-11-26"), STORES + "S0004,Future,M02,full_liquor,d@x.com,001D\n")

    load = load_snapshot(warehouse, s3, "stores", D)

    assert (load.snapshot_date, load.rows) == ("2026-11-24", 3)


@pytest.mark.parametrize("bad_line, reason", [
    ("S0001,Duplicate,M01,full_liquor,x@x.com,001X", "duplicate_key"),
    ("S0005,No Licence,M01,grocery,x@x.com,001X", "bad_license_type"),
    (",Nameless,M01,full_liquor,x@x.com,001X", "empty_key"),
])
def test_a_bad_snapshot_keeps_the_previous_one(warehouse, s3, bad_line, reason):
    put_reference(s3)
    load_reference_snapshots(warehouse, s3, D)
    put(s3, settings.reference_key("stores", "2026-11-26"), STORES + bad_line + "\n")

    with pytest.raises(ReferenceSnapshotError, match=f"line 4: {reason}"):
        load_snapshot(warehouse, s3, "stores", "2026-11-26")

    assert warehouse.execute("select count(*) from raw.stores").fetchone()[0] == 2
    status = warehouse.execute("select status from ops.load_audit where dataset = 'stores' "
                               "order by load_id desc limit 1").fetchone()[0]
    assert status == "rejected"


def test_a_snapshot_with_the_wrong_header_or_shape_is_refused(warehouse, s3):
    put(s3, settings.reference_key("stores", D), "store_id,name\nS1,x\n")
    with pytest.raises(ReferenceSnapshotError, match="header mismatch"):
        load_snapshot(warehouse, s3, "stores", D)

    put(s3, settings.reference_key("stores", D), STORES + "S0009,too,many,columns,here,for,stores\n")
    with pytest.raises(ReferenceSnapshotError, match="unreadable"):
        load_snapshot(warehouse, s3, "stores", D)


def test_no_snapshot_at_all_is_a_clear_error(warehouse, s3):
    with pytest.raises(ReferenceSnapshotError, match="no stores snapshot on or before"):
        load_snapshot(warehouse, s3, "stores", D)


class TestHistory:
    """Snapshots are kept per snapshot date; a day reads the one in force on it; the same snapshot is reused."""

    def test_each_day_reads_the_snapshot_in_force_on_it(self, warehouse, s3):
        put_reference(s3, "2026-11-20")
        put(s3, settings.reference_key("stores", "2026-11-24"), STORES + "S0003,New,M02,full_liquor,c@x.com,001C\n")
        load_reference_snapshots(warehouse, s3, "2026-11-22")
        load_snapshot(warehouse, s3, "stores", "2026-11-24")

        in_force = {day: warehouse.execute(
            "select count(*) from raw.stores where snapshot_date = raw.snapshot_in_force('stores', %s)",
            (day,)).fetchone()[0] for day in ("2026-11-21", "2026-11-23", "2026-11-25")}

        assert in_force == {"2026-11-21": 2, "2026-11-23": 2, "2026-11-25": 3}

    def test_a_snapshot_already_held_is_reused_not_rewritten(self, warehouse, s3):
        put_reference(s3, "2026-11-20")
        load_snapshot(warehouse, s3, "stores", "2026-11-21")
        before = warehouse.execute("select loaded_at from raw.snapshots where table_name = 'stores'").fetchone()

        load = load_snapshot(warehouse, s3, "stores", "2026-11-22")

        assert load.rows == 2
        assert warehouse.execute("select loaded_at from raw.snapshots where table_name = 'stores'").fetchone() == before

    def test_snapshots_beyond_the_retention_are_pruned_but_the_one_in_force_stays(self, warehouse, s3):
        from top_items.rules import variables

        days = variables()["reference_retention_days"]
        for snapshot in ("2025-01-01", "2025-01-02", "2026-11-25"):
            put(s3, settings.reference_key("stores", snapshot), STORES)
            load_snapshot(warehouse, s3, "stores", snapshot)

        held = [d for (d,) in warehouse.execute("select snapshot_date::text from raw.snapshots order by 1")]
        assert days < 600 and held == ["2025-01-02", "2026-11-25"]
        assert warehouse.execute("select count(distinct snapshot_date) from raw.stores").fetchone()[0] == 2
