"""The volume guard against the live mocks: a jump, drop or churn beyond the bound is blocked, recorded, and
nothing moves; its baseline is what ops.sync_runs recorded after the last successful run."""

from __future__ import annotations

import json

import pytest

from tests.support.activation import D1, D2, D3, load, sf_day, sync_runs
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import VolumeGuardBlocked

# A good day of 5 stores x 6 items, then a bad one: (rows of the bad day, what the message must say)
BAD_DAYS = {
    "tenfold": (sf_day(D2, stores=50), r"10\.00x the 30 held after the last successful sync"),
    "drop_to_a_third": (sf_day(D2, stores=5, skus=2), r"0\.33x the 30 held"),
    # half of every store's list replaced, same total: the net size says 1.00x, the churn says 1.00x
    "half_replaced": (sf_day(D2, drop={f"S{s:03d}:K{k:03d}" for s in range(1, 6) for k in (1, 2, 3)},
                             extra=[(f"S{s:03d}", f"K{k:03d}") for s in range(1, 6) for k in (91, 92, 93)]),
                      r"1\.00x the 30 held .*churn 30 records, 1\.00x of it \(bound 0\.75x"),
    "every_name_changed": (sf_day(D2, rename={f"S{s:03d}:K{k:03d}" for s in range(1, 6) for k in range(1, 7)}),
                           r"churn 30 records, 1\.00x"),
}


class TestBlocked:
    @pytest.mark.parametrize("bad", BAD_DAYS.values(), ids=BAD_DAYS.keys())
    def test_the_destination_keeps_its_records_and_the_baseline_stays(self, exports, sf_ctl, bad):
        rows, message = bad
        conn = exports
        load(conn, "salesforce", D1, sf_day(D1))
        assert sync_consumer(conn, "salesforce", D1, run_id="r1").outcome == "success"
        load(conn, "salesforce", D2, rows)
        writes_before = len(sf_ctl.writes())

        with pytest.raises(VolumeGuardBlocked, match=message):
            sync_consumer(conn, "salesforce", D2, run_id="r2")

        assert len(sf_ctl.writes()) == writes_before
        blocked = sync_runs(conn, "salesforce")[-1]
        assert (blocked["outcome"], blocked["baseline"], blocked["held_after"]) == ("blocked", 30, None)
        assert "override_volume_guard" in blocked["detail"]
        with pytest.raises(VolumeGuardBlocked):  # the next try weighs against the same baseline
            sync_consumer(conn, "salesforce", D2, run_id="r2-retry")

    @pytest.mark.parametrize("bad", BAD_DAYS.values(), ids=BAD_DAYS.keys())
    def test_an_override_pushes_says_so_and_sets_the_next_baseline(self, exports, sf_ctl, bad):
        rows, _ = bad
        conn = exports
        load(conn, "salesforce", D1, sf_day(D1))
        sync_consumer(conn, "salesforce", D1, run_id="r1")
        load(conn, "salesforce", D2, rows)

        result = sync_consumer(conn, "salesforce", D2, run_id="r2", override_volume_guard=True)

        assert result.outcome == "success" and "volume guard override" in result.detail
        assert sync_runs(conn, "salesforce")[-1]["held_after"] == len(rows)


class TestAllowed:
    NORMAL_DAYS = {
        "same_list_restamped": sf_day(D2),
        "a_third_of_the_records_move": sf_day(D2, rename={f"S{s:03d}:K001" for s in range(1, 6)},
                                             drop={"S001:K002", "S002:K002"}, extra=[("S001", "K050")]),
        "a_new_store": sf_day(D2, stores=6),
    }

    @pytest.mark.parametrize("rows", NORMAL_DAYS.values(), ids=NORMAL_DAYS.keys())
    def test_a_normal_day_passes(self, exports, sf_ctl, rows):
        conn = exports
        load(conn, "salesforce", D1, sf_day(D1))
        sync_consumer(conn, "salesforce", D1, run_id="r1")
        load(conn, "salesforce", D2, rows)
        assert sync_consumer(conn, "salesforce", D2, run_id="r2").outcome == "success"

    def test_a_first_sync_has_no_baseline_and_is_allowed(self, exports, sf_ctl):
        conn = exports
        load(conn, "salesforce", D1, sf_day(D1, stores=20))
        result = sync_consumer(conn, "salesforce", D1, run_id="r1", dry_run=True)
        assert result.mode == "dry_run" and "first sync: no baseline yet" in result.detail
        assert sync_runs(conn, "salesforce")[-1]["held_after"] is None  # a dry run is never a baseline

    def test_a_backfill_is_not_blocked_by_the_guard_and_rolls_nothing_back(self, exports, sf_ctl):
        conn = exports
        load(conn, "salesforce", D3, sf_day(D3, stores=20))
        sync_consumer(conn, "salesforce", D3, run_id="r3")
        load(conn, "salesforce", D1, sf_day(D1, stores=2))  # an older, much smaller day
        writes_before = len(sf_ctl.writes())

        result = sync_consumer(conn, "salesforce", D1, run_id="r1")

        assert result.outcome == "skipped" and "backfill" in result.detail
        assert len(sf_ctl.writes()) == writes_before
        assert sync_runs(conn, "salesforce")[-1]["held_after"] is None


class TestListConsumers:
    """Where a record is a store's whole list (CRM, app), the churn is counted in the list's elements."""

    STORES = [f"S{s:03d}" for s in range(1, 13)]

    def skus(self, feed_date: str, replaced: int = 0, reordered: bool = False) -> list[str]:
        names = [f"K{i:02d}" for i in range(1, 11 - replaced)] + [f"X{i:02d}" for i in range(replaced)]
        return names[::-1] if reordered else names

    def rows(self, name: str, feed_date: str, **change) -> list[dict]:
        if name == "crm":
            return [{"feed_date": feed_date, "store_id": s, "email": f"{s}@demo.example",
                     "top_items_you_dont_carry": "; ".join(self.skus(feed_date, **change)),
                     "top_items_feed_date": feed_date} for s in self.STORES]
        return [{"feed_date": feed_date, "store_id": s, "items": json.dumps(
            [{"sku_id": k, "name": k, "rank": r} for r, k in enumerate(self.skus(feed_date, **change), 1)])}
            for s in self.STORES]

    @pytest.mark.parametrize("name", ["crm", "retailer_app"])
    @pytest.mark.parametrize(("change", "blocked"), [({"replaced": 5}, True), ({"replaced": 10}, True),
                                                     ({"replaced": 1}, False), ({"reordered": True}, False)],
                             ids=["half_replaced", "all_replaced", "one_new_item", "reordered"])
    def test_half_of_every_list_replaced_is_a_jump(self, exports, crm_ctl, s3, name, change, blocked):
        load(exports, name, D1, self.rows(name, D1))
        assert sync_consumer(exports, name, D1, run_id="r1").outcome == "success"
        load(exports, name, D2, self.rows(name, D2, **change))
        if blocked:
            with pytest.raises(VolumeGuardBlocked, match=r"1\.00x the 12 held .*churn"):
                sync_consumer(exports, name, D2, run_id="r2")
        else:
            assert sync_consumer(exports, name, D2, run_id="r2").outcome == "success"
