"""One lineage graph for every question: it reaches every consumer from the landing bucket through each layer, and
``impact``, ``readiness`` and the DAG's inlets and outlets all answer from it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from top_items import lineage, readiness
from top_items.lineage import impact
from top_items.registry import consumers
from top_items.transform.models import discover

LAYERS = ("landing", "raw", "staging", "marts", "exports", "consumer")


def layer(node: str) -> str:
    return node.split(".")[0]


@pytest.mark.parametrize("name", list(consumers()))
def test_every_consumer_is_reached_from_the_landing_bucket_through_every_layer_in_order(name):
    graph = lineage.graph()
    upstream = graph.upstream(lineage.consumer_node(name))
    assert {layer(node) for node in upstream} == set(LAYERS) - {"consumer"}
    for up, down in graph.edges:  # data only flows forward (a mart may read a mart)
        assert LAYERS.index(layer(up)) <= LAYERS.index(layer(down)), (up, down)
    assert lineage.LANDING_FEEDS in upstream and consumers()[name].export in graph.reads(lineage.consumer_node(name))


def test_the_graph_holds_every_model_with_exactly_what_its_sql_reads():
    graph = lineage.graph()
    for model in discover():
        assert graph.reads(model.qualified_name) == tuple(sorted((*model.sources, *model.depends_on)))


@pytest.mark.parametrize("table", [node for node in lineage.graph().nodes if layer(node) in ("raw", "staging",
                                                                                               "marts", "exports")])
def test_impact_and_readiness_answer_from_the_same_graph(table):
    # impact: who breaks if the table changes; readiness: what each consumer reads upstream. Same answer.
    reading = {name for name in consumers() if table in lineage.graph().upstream(lineage.consumer_node(name))}
    assert set(impact(table)["consumers"]) == reading


def test_the_quarantine_table_feeds_nobody():
    assert impact("raw.feed_quarantine") == {"models": [], "consumers": []}


def test_walks_follow_edges_both_ways_and_stop_on_a_cycle():
    graph = lineage.Graph(frozenset({("a", "b"), ("b", "c"), ("c", "b"), ("x", "c")}))
    assert graph.downstream("a") == ("b", "c")
    assert graph.upstream("c") == ("a", "b", "x")
    assert graph.reads("c") == ("b", "x") and graph.read_by("b") == ("c",)


def test_build_joins_the_loads_the_models_and_the_consumers():
    model = SimpleNamespace(qualified_name="marts.m", sources=("raw.t",), depends_on=())
    consumer = SimpleNamespace(name="app", export="marts.m")
    graph = lineage.build([model], [consumer], loads={"landing.x": ("raw.t",)})
    assert graph.edges == {("landing.x", "raw.t"), ("raw.t", "marts.m"), ("marts.m", "consumer.app")}


def test_a_consumer_reading_a_source_no_gate_checks_has_not_earned_external():
    crm = consumers()["crm"]
    unchecked = lineage.build([SimpleNamespace(qualified_name=crm.export, sources=("raw.unchecked", "raw.stores"),
                                               depends_on=())], [crm])
    assert readiness.ungated_sources(crm, unchecked) == ["raw.unchecked"]
    assert readiness.ungated_sources(crm) == []
