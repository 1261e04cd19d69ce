"""Planning: mapping through consumers.yml, hashing without stamp fields, diffing against sync_state."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from top_items.activation.engine import rejected_allowance
from top_items.activation.plan import (
    MappingError,
    StateRow,
    batches,
    diff,
    map_row,
    row_hash,
)
from top_items.registry import consumer

SF = consumer("salesforce")


def row(store="S1", sku="K1", name="Gin", rank=1, day="2026-11-25"):
    return {"feed_date": date.fromisoformat(day), "top_item_key": f"{store}:{sku}", "store_id": store,
            "sku_id": sku, "sku_name": name, "market_rank": rank}


def synced(r):
    return StateRow(row_hash(SF, map_row(SF, r)), "a01X", "synced")


def test_map_row_renames_and_normalises():
    assert map_row(SF, {**row(), "market_rank": Decimal(3)}) == {
        "Top_Item_Key__c": "S1:K1", "Store_Id__c": "S1", "Sku_Id__c": "K1", "Sku_Name__c": "Gin",
        "Market_Rank__c": 3, "Feed_Date__c": "2026-11-25"}
    crm = map_row(consumer("crm"), {"feed_date": date(2026, 1, 1), "store_id": "S1", "email": "e",
                                    "top_items_you_dont_carry": "A", "top_items_feed_date": date(2026, 1, 1)})
    assert crm == {"store_id": "S1", "email": "e", "top_items_you_dont_carry": "A",
                   "top_items_feed_date": "2026-01-01"}  # feed_date is mapped to null: read, never sent


def test_unmapped_or_missing_columns_are_a_contract_error():
    with pytest.raises(MappingError, match="surprise"):
        map_row(SF, {**row(), "surprise": 1})
    without = row()
    del without["sku_name"]
    with pytest.raises(MappingError, match="sku_name"):
        map_row(SF, without)


def test_stamp_fields_are_not_hashed():
    assert row_hash(SF, map_row(SF, row(day="2026-11-24"))) == row_hash(SF, map_row(SF, row(day="2026-11-25")))
    assert row_hash(SF, map_row(SF, row(name="Gin"))) != row_hash(SF, map_row(SF, row(name="Rum")))


def test_diff_adds_changes_removes_unchanged():
    state = {"S1:K1": synced(row("S1", "K1")), "S1:K2": synced(row("S1", "K2")), "S9:K9": synced(row("S9", "K9"))}
    plan = diff(SF, [row("S1", "K1", day="2026-11-26"), row("S1", "K2", name="new"), row("S2", "K1")], state)
    assert [op.key for op in plan.adds] == ["S2:K1"]
    assert [op.key for op in plan.changes] == ["S1:K2"] and plan.changes[0].destination_id == "a01X"
    assert [op.key for op in plan.removes] == ["S9:K9"] and plan.removes[0].destination_id == "a01X"
    assert plan.unchanged == 1 and plan.rows == 3
    assert plan.counts() == {"planned_adds": 1, "planned_changes": 1, "planned_removes": 1}


def test_failed_rows_are_always_retried():
    failed_change = StateRow(synced(row()).row_hash, "a01X", "failed")  # confirmed once, then a change failed
    failed_add = StateRow(None, None, "failed")  # never confirmed
    plan = diff(SF, [row("S1", "K1"), row("S1", "K2")], {"S1:K1": failed_change, "S1:K2": failed_add})
    assert [op.key for op in plan.changes] == ["S1:K1"] and plan.changes[0].retry
    assert [op.key for op in plan.adds] == ["S1:K2"] and plan.adds[0].retry
    failed_remove = {"S5:K5": StateRow("h", "a01Y", "failed")}
    assert [op.key for op in diff(SF, [], failed_remove).removes] == ["S5:K5"]


def test_upsert_mode_never_removes_and_duplicate_keys_fail():
    upsert_only = dataclasses.replace(SF, mode="upsert")
    assert diff(upsert_only, [], {"S9:K9": synced(row("S9", "K9"))}).removes == []
    with pytest.raises(MappingError, match="twice"):
        diff(SF, [row(), row()], {})


def test_batches_and_rejected_allowance():
    assert [len(b) for b in batches(list(range(450)), 200)] == [200, 200, 50]
    assert batches([], 10) == []
    assert rejected_allowance(SF, 30) == 10  # absolute bound wins on small runs
    assert rejected_allowance(SF, 100_000) == 1000  # 1 % on large ones
