"""Planning: mapping through consumers.yml, hashing without stamp fields, diffing against sync_state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from top_items.activation.engine import rejected_allowance
from top_items.activation.errors import MappingError
from top_items.activation.plan import (
    StateRow,
    batches,
    diff,
    list_items,
    map_row,
    mapped_key,
    record_key,
    row_hash,
)
from top_items.registry import consumer

SF = consumer("salesforce")
DAY, NEXT = "2026-11-25", "2026-11-26"


def row(store="S1", sku="K1", name="Gin", rank=1, day=DAY):
    return {"feed_date": date.fromisoformat(day), "top_item_key": f"{store}:{sku}", "store_id": store,
            "sku_id": sku, "sku_name": name, "market_rank": rank}


def synced(r, day=DAY):
    return StateRow(row_hash(SF, map_row(SF, r)), "a01X", "synced", day)


class TestMapping:
    def test_map_row_renames_and_normalises(self):
        assert map_row(SF, {**row(), "market_rank": Decimal(3)}) == {
            "Top_Item_Key__c": "S1:K1", "Store_Id__c": "S1", "Sku_Id__c": "K1", "Sku_Name__c": "Gin",
            "Market_Rank__c": 3, "Feed_Date__c": DAY}

    def test_a_column_mapped_to_null_is_read_never_sent(self):
        crm = map_row(consumer("crm"), {"feed_date": date(2026, 1, 1), "store_id": "S1", "email": "e",
                                        "top_items_you_dont_carry": "A", "top_items_feed_date": date(2026, 1, 1)})
        assert crm == {"store_id": "S1", "email": "e", "top_items_you_dont_carry": "A",
                       "top_items_feed_date": "2026-01-01"}

    @pytest.mark.parametrize(("change", "match"), [({"surprise": 1}, "surprise"), ({"sku_name": None}, "sku_name")])
    def test_unmapped_or_missing_columns_are_a_contract_error(self, change, match):
        broken = {**row(), **change}
        if change.get("sku_name", 0) is None:
            del broken["sku_name"]
        with pytest.raises(MappingError, match=match):
            map_row(SF, broken)

    @pytest.mark.parametrize("name", ["salesforce", "crm", "retailer_app"])
    def test_a_mapped_records_key_is_its_rows_key(self, name):
        spec = consumer(name)
        source = {column: f"v-{column}" for column in spec.field_map}
        assert mapped_key(spec, map_row(spec, source)) == record_key(spec, source)

    def test_stamp_fields_are_not_hashed(self):
        assert row_hash(SF, map_row(SF, row(day="2026-11-24"))) == row_hash(SF, map_row(SF, row(day=DAY)))
        assert row_hash(SF, map_row(SF, row(name="Gin"))) != row_hash(SF, map_row(SF, row(name="Rum")))


class TestDiff:
    def test_adds_changes_removes_unchanged(self):
        state = {"S1:K1": synced(row("S1", "K1")), "S1:K2": synced(row("S1", "K2")), "S9:K9": synced(row("S9", "K9"))}
        plan = diff(SF, [row("S1", "K1"), row("S1", "K2", name="new"), row("S2", "K1")], state, DAY)
        assert [op.key for op in plan.adds] == ["S2:K1"]
        assert [op.key for op in plan.changes] == ["S1:K2"] and plan.changes[0].destination_id == "a01X"
        assert [op.key for op in plan.removes] == ["S9:K9"] and plan.removes[0].destination_id == "a01X"
        assert plan.unchanged == 1 and plan.rows == 3 and plan.churn == 3
        assert plan.counts() == {"add": 1, "change": 1, "restamp": 0, "remove": 1}

    @pytest.mark.parametrize(("state_day", "restamped"), [(DAY, 0), ("2026-11-24", 2), (None, 2)])
    def test_unchanged_content_of_an_older_stamp_is_restamped_never_churn(self, state_day, restamped):
        state = {"S1:K1": synced(row("S1", "K1"), state_day), "S1:K2": synced(row("S1", "K2"), state_day)}
        plan = diff(SF, [row("S1", "K1"), row("S1", "K2")], state, DAY)
        assert len(plan.ops["restamp"]) == restamped and plan.unchanged == 2 - restamped
        assert plan.churn == 0 and len(plan.upserts) == restamped

    def test_a_consumer_without_stamp_fields_is_never_restamped(self):
        crm = consumer("crm")
        bare = type(crm)(**{**crm.__dict__, "stamp_fields": ()})
        source = {"feed_date": DAY, "store_id": "S1", "email": "e", "top_items_you_dont_carry": "A",
                  "top_items_feed_date": DAY}
        state = {"S1": StateRow(row_hash(bare, map_row(bare, source)), "1", "synced", "2026-11-01")}
        assert diff(bare, [source], state, DAY).unchanged == 1

    def test_failed_rows_are_always_retried(self):
        failed_change = StateRow(synced(row()).row_hash, "a01X", "failed", DAY)  # confirmed once, then failed
        failed_add = StateRow(None, None, "failed")  # never confirmed
        plan = diff(SF, [row("S1", "K1"), row("S1", "K2")], {"S1:K1": failed_change, "S1:K2": failed_add}, DAY)
        assert [op.key for op in plan.changes] == ["S1:K1"] and plan.changes[0].retry
        assert [op.key for op in plan.adds] == ["S1:K2"] and plan.adds[0].retry
        failed_remove = {"S5:K5": StateRow("h", "a01Y", "failed")}
        assert [op.key for op in diff(SF, [], failed_remove, DAY).removes] == ["S5:K5"]

    def test_duplicate_keys_fail(self):
        with pytest.raises(MappingError, match="twice"):
            diff(SF, [row(), row()], {}, DAY)

    @pytest.mark.parametrize("keep", [True, False])
    def test_records_are_kept_only_when_asked(self, keep):
        plan = diff(SF, [row("S1", "K1"), row("S1", "K2")], {}, DAY, keep_records=keep)
        assert (plan.records is not None) == keep and (not keep or len(plan.records) == 2)


class TestBatching:
    @pytest.mark.parametrize(("total", "size", "sizes"), [(450, 200, [200, 200, 50]), (0, 10, []), (3, 1, [1, 1, 1])])
    def test_batches(self, total, size, sizes):
        assert [len(b) for b in batches(list(range(total)), size)] == sizes

    @pytest.mark.parametrize(("planned", "allowed"), [(30, 10), (100_000, 1000)])
    def test_rejected_allowance_is_the_larger_bound(self, planned, allowed):
        assert rejected_allowance(SF, planned) == allowed


class TestListChurn:
    CRM = consumer("crm")
    APP = consumer("retailer_app")

    def crm(self, names: str) -> dict:
        return {"feed_date": DAY, "store_id": "S1", "email": "e", "top_items_you_dont_carry": names,
                "top_items_feed_date": DAY}

    @pytest.mark.parametrize(("before", "after", "moved"), [
        ("A; B; C; D", "A; B; C; D", 0.0),  # unchanged: not even planned
        ("A; B; C; D", "D; C; B; A", 0.0),  # reordered: a change, no churn
        ("A; B; C; D", "A; B; C; E", 0.25),  # one of four replaced
        ("A; B; C; D", "A; B; E; F", 0.5),  # half replaced
        ("A; B; C; D", "E; F; G; H", 1.0),  # all replaced
    ])
    def test_a_change_counts_the_share_of_the_list_it_replaces(self, before, after, moved):
        held = map_row(self.CRM, self.crm(before))
        state = {"S1": StateRow(row_hash(self.CRM, held), "1", "synced", DAY, list_items(self.CRM, held))}
        plan = diff(self.CRM, [self.crm(after)], state, DAY)
        assert plan.churn == moved

    def test_app_items_are_read_by_their_sku(self):
        record = {"store_id": "S1", "feed_date": DAY, "items": '[{"sku_id": "K2", "name": "x", "rank": 1}, '
                                                             '{"sku_id": "K1", "name": "y", "rank": 2}]'}
        assert list_items(self.APP, record) == ("K1", "K2")
        assert list_items(self.APP, {**record, "items": []}) == ()

    def test_adds_and_removes_count_whole_and_without_a_list_every_change_does(self):
        plan = diff(SF, [row("S1", "K1", name="new"), row("S2", "K2")], {"S1:K1": synced(row()), "S9:K9":
                                                                          synced(row("S9", "K9"))}, DAY)
        assert plan.churn == 3 and list_items(SF, map_row(SF, row())) is None
