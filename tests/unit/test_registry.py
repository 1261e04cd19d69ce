"""The consumer registry and impact analysis: "who breaks if this table changes?"."""

from __future__ import annotations

import pytest

from top_items.lineage import impact
from top_items.registry import consumer, consumers, owner_user
from top_items.transform.models import discover

# The naming rule of the edge contract: each consumer reads exports.exp_top_items_<consumer>.
EXPORT_OF = {name: f"exports.exp_top_items_{name}" for name in consumers()}


def test_every_consumer_reads_its_own_existing_export():
    models = {model.qualified_name for model in discover()}
    assert {name: c.export for name, c in consumers().items()} == EXPORT_OF
    assert set(EXPORT_OF.values()) <= models


def test_an_unknown_consumer_is_named_in_the_error():
    with pytest.raises(KeyError, match="looker"):
        consumer("looker")


def test_a_change_to_the_raw_feed_reaches_the_core_model_and_every_consumer():
    reached = impact("raw.inventory_feed")
    assert "marts.store_missing_top_items" in reached["models"]
    assert set(EXPORT_OF.values()) <= set(reached["models"])
    assert sorted(reached["consumers"]) == sorted(EXPORT_OF)


@pytest.mark.parametrize("name", sorted(EXPORT_OF))
def test_a_change_to_one_export_reaches_only_its_consumer(name):
    assert impact(EXPORT_OF[name]) == {"models": [], "consumers": [name]}


def test_a_table_nothing_reads_reaches_nobody():
    assert impact("raw.nothing_reads_this") == {"models": [], "consumers": []}


def test_every_consumer_names_its_owners_airflow_user():
    for name in consumers():
        assert owner_user(name) and "@" not in owner_user(name) and ":" not in owner_user(name)


def test_a_consumer_without_an_owner_user_is_named_in_the_error(monkeypatch):
    import dataclasses

    from top_items import registry

    bare = {"crm": dataclasses.replace(consumer("crm"), owner_user=None)}
    monkeypatch.setattr(registry, "consumers", lambda: bare)
    with pytest.raises(KeyError, match="crm.*owner_user"):
        owner_user("crm")


def test_every_input_the_lineage_graph_lands_has_exactly_one_producer_with_a_route():
    from top_items.alert_routes import ROUTES
    from top_items.lineage import LOADS
    from top_items.registry import producer_of, producers

    assert sorted(p.input for p in producers().values()) == sorted(LOADS)
    for landing in LOADS:
        assert producer_of(landing).alert_route in ROUTES and "@" in producer_of(landing).owner


def test_an_input_nobody_produces_is_named_in_the_error():
    from top_items.registry import producer_of

    with pytest.raises(KeyError, match="landing.nowhere"):
        producer_of("landing.nowhere")


@pytest.mark.parametrize(("change", "message"), [
    ({"alert_route": "carrier_pigeon"}, "alert_route must be one of"),
    ({"fax": "1"}, "needs exactly"),
])
def test_a_producer_with_an_unknown_route_or_key_is_refused(change, message):
    from top_items.registry import _producer

    spec = {"description": "d", "input": "landing.x", "owner": "o@example.com", "alert_route": "email", **change}
    with pytest.raises(ValueError, match=message):
        _producer("p", spec)


def test_a_consumer_with_an_unknown_route_is_refused():
    from top_items.registry import _consumer

    with pytest.raises(ValueError, match="alert_route must be one of"):
        _consumer("x", {"description": "d", "export": "exports.e", "destination": "s3", "connection": "c",
                        "owner": "o", "key": ["k"], "alert_route": "pager_duty"})
