"""The pages' pictures: a check's sparkline and the lineage graph's layout, as geometry on plain values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from top_items import lineage
from top_items.pages import read, svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def test_a_sparkline_has_one_dot_per_measured_day_coloured_by_its_outcome_and_the_highest_value_on_top():
    drawn = svg.sparkline([("d1", 10, "pass"), ("d2", None, "no_history"), ("d3", 30, "fail"), ("d4", 20, "warn")])
    dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="2.5" fill="(#\w+)">', drawn)
    assert [fill for _, _, fill in dots] == [svg.OUTCOME_COLOURS[o] for o in ("pass", "fail", "warn")]
    xs, ys = [float(x) for x, _, _ in dots], [float(y) for _, y, _ in dots]
    assert xs == sorted(xs) and ys[1] < ys[2] < ys[0]  # SVG's y grows downwards: 30 highest, 10 lowest
    assert "d3: 30 (fail)" in drawn


def test_a_sparkline_of_nothing_measured_is_empty_and_a_flat_one_draws():
    assert svg.sparkline([("d1", None, "no_history")]) == ""
    assert svg.sparkline([("d1", 5, "pass"), ("d2", 5, "pass")]).count("<circle") == 2


def _boxes(picture: str) -> dict[str, tuple[float, float]]:
    root = ET.fromstring(picture)
    return {g.get("data-node"): (float(g.find("svg:rect", NS).get("x")), float(g.find("svg:rect", NS).get("y")))
            for g in root.iter(f"{{{NS['svg']}}}g")}


def test_the_lineage_picture_draws_every_node_once_in_layer_order_with_every_edge_pointing_right():
    columns, edges = read.lineage_columns()
    picture = svg.lineage_graph(read.LAYER_ORDER, columns, edges)
    boxes = _boxes(picture)
    assert set(boxes) == set(lineage.graph().nodes)
    assert picture.count("<path class=\"edge\"") == len(edges) == len(lineage.graph().edges)
    for up, down in edges:  # a reader is always right of what it reads, in a later layer or deeper in its own
        assert boxes[up][0] < boxes[down][0], (up, down)
    band = {layer: min(boxes[n][0] for n in nodes) for layer, nodes in zip(read.LAYER_ORDER, columns, strict=True)}
    assert list(band) == sorted(band, key=band.get)


def test_depth_orders_the_models_of_one_layer_and_leaves_other_layers_at_zero():
    layer = {"raw.a": "raw", "marts.b": "marts", "marts.c": "marts", "marts.d": "marts"}.get
    found = svg.depths(["raw.a", "marts.b", "marts.c", "marts.d"],
                       [("raw.a", "marts.b"), ("marts.b", "marts.c"), ("marts.c", "marts.d"), ("marts.b", "marts.d")],
                       layer)
    assert found == {"raw.a": 0, "marts.b": 0, "marts.c": 1, "marts.d": 2}
