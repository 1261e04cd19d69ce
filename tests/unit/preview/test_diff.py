"""The preview's diff of two record sets: added, changed (with the fields), removed, compared by content."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from top_items.preview.diff import ADDED, CHANGED, REMOVED, diff_records

BEFORE = {
    "S1:K1": {"store": "S1", "sku": "K1", "rank": 1, "name": "Gin"},
    "S1:K2": {"store": "S1", "sku": "K2", "rank": 2, "name": "Rum"},
    "S2:K1": {"store": "S2", "sku": "K1", "rank": 1, "name": "Gin"},
}


def test_added_changed_removed_and_the_fields_that_changed():
    after = {"S1:K1": {**BEFORE["S1:K1"], "rank": 3, "name": "Gin 2"},
             "S2:K1": dict(BEFORE["S2:K1"]),
             "S3:K9": {"store": "S3", "sku": "K9", "rank": 1, "name": "Ale"}}

    found = diff_records(BEFORE, after)

    assert (found.added, found.removed) == (("S3:K9",), ("S1:K2",))
    assert found.changed == {"S1:K1": ("rank", "name")}
    assert found.counts() == {ADDED: 1, CHANGED: 1, REMOVED: 1, "unchanged": 1}
    assert found.field_counts() == {"rank": 1, "name": 1}


def test_lists_dates_and_numbers_compare_by_content_and_a_reordered_list_is_a_change():
    items = [{"sku_id": "K1", "rank": 1}, {"sku_id": "K2", "rank": 2}]
    before = {"S1": {"items": items, "day": date(2026, 11, 25), "n": Decimal("2")},
              "S2": {"items": items, "day": date(2026, 11, 25), "n": 2}}
    after = {"S1": {"items": [dict(i) for i in items], "day": date(2026, 11, 25), "n": Decimal("2")},
             "S2": {"items": items[::-1], "day": date(2026, 11, 25), "n": 2}}

    assert diff_records(before, after).changed == {"S2": ("items",)}


def test_a_field_only_one_side_has_is_a_change_even_when_the_other_is_null():
    before = {"S1": {"a": 1, "b": None}, "S2": {"a": 1}}
    after = {"S1": {"a": 1}, "S2": {"a": 1, "b": None}}

    assert diff_records(before, after).changed == {"S1": ("b",), "S2": ("b",)}


def test_null_equals_null():
    assert diff_records({"S1": {"a": None}}, {"S1": {"a": None}}).counts()["unchanged"] == 1


@pytest.mark.parametrize(("before", "after", "counts"), [
    ({}, BEFORE, {ADDED: 3, CHANGED: 0, REMOVED: 0, "unchanged": 0}),  # nothing published yet
    (BEFORE, {}, {ADDED: 0, CHANGED: 0, REMOVED: 3, "unchanged": 0}),  # the change empties the export
    ({}, {}, {ADDED: 0, CHANGED: 0, REMOVED: 0, "unchanged": 0}),
    (BEFORE, BEFORE, {ADDED: 0, CHANGED: 0, REMOVED: 0, "unchanged": 3}),
])
def test_empty_sides(before, after, counts):
    found = diff_records(before, after)
    assert found.counts() == counts
    assert found.field_counts() == {}


def test_the_sample_shows_a_few_of_each_kind_changes_first():
    before = {f"K{n}": {"v": n} for n in range(10)}
    after = {**{f"K{n}": {"v": -n} for n in range(1, 6)}, **{f"N{n}": {"v": n} for n in range(5)}}

    sample = diff_records(before, after).sample(per_kind=2)

    assert sample == [(CHANGED, "K1"), (CHANGED, "K2"), (ADDED, "N0"), (ADDED, "N1"), (REMOVED, "K0"),
                      (REMOVED, "K6")]


def test_field_counts_count_records_per_field_most_first():
    before = {f"K{n}": {"a": 0, "b": 0} for n in range(4)}
    after = {"K0": {"a": 1, "b": 1}, "K1": {"a": 0, "b": 1}, "K2": {"a": 0, "b": 1}, "K3": {"a": 0, "b": 0}}

    assert diff_records(before, after).field_counts() == {"b": 3, "a": 1}
