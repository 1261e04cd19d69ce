"""The pages' pure reshaping of what the warehouse returned."""

from __future__ import annotations

from top_items.pages import read


def test_load_totals_count_files_by_status_and_sum_rows_per_dataset():
    loads = [{"dataset": "inventory_feed", "status": "loaded", "rows_in": 10, "rows_loaded": 9, "rows_quarantined": 1},
             {"dataset": "inventory_feed", "status": "stale", "rows_in": 5, "rows_loaded": 0, "rows_quarantined": 5},
             {"dataset": "inventory_feed", "status": "loaded", "rows_in": 3, "rows_loaded": 3, "rows_quarantined": 0},
             {"dataset": "stores", "status": "rejected", "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0}]
    assert read.load_totals(loads) == [
        {"dataset": "inventory_feed", "files": 3, "rows_in": 18, "rows_loaded": 12, "rows_quarantined": 6,
         "status": {"loaded": 2, "stale": 1}},
        {"dataset": "stores", "files": 1, "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0,
         "status": {"rejected": 1}}]


def test_the_lineage_columns_follow_the_layers_and_hold_every_node_once():
    columns, edges = read.lineage_columns()
    nodes = [node for column in columns for node in column]
    assert len(nodes) == len(set(nodes)) and edges
    for layer, column in zip(read.LAYER_ORDER, columns, strict=True):
        assert all(node.startswith(f"{layer}.") for node in column)
