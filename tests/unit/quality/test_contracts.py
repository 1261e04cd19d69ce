"""Every contract validates against Soda's own JSON schema (Soda itself ignores a misspelt key), sits where its
dataset says, uses only variables the gate sets, and agrees with the business rules' parameters."""

from __future__ import annotations

import pytest
import yaml

from top_items.quality import contracts
from top_items.settings import CONTRACTS_DIR, SQL_DIR
from top_items.transform.models import LAYERS

PATHS = contracts.contract_paths()
RULES = yaml.safe_load((SQL_DIR / "vars.yml").read_text())["vars"]
# What the gate sets: the run's date, the database, where each layer's build is, and the rule parameters.
GATE_VALUES = {"feed_date": "2026-11-25", "database": "warehouse", "gate_run": "run/raw/1",
               **{layer: layer for layer in LAYERS}, **RULES}
GATE_VARIABLES = set(GATE_VALUES)


def test_there_is_a_contract_for_every_dataset_of_every_gate():
    for gate in contracts.gates():
        for dataset in contracts.datasets_for_gate(gate):
            assert contracts.contract_path(dataset).exists(), (gate, dataset)
    assert contracts.datasets_for_gate("export:crm") == ("exports.exp_top_items_crm",)
    assert {contracts.dataset_of(p) for p in PATHS} >= {"raw.inventory_feed", "raw.stores", "raw.skus",
                                                        "raw.order_lines", "marts.store_missing_top_items"}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_contract_validates(path):
    assert contracts.validate(path, declared_variables=GATE_VARIABLES, values=GATE_VALUES) == []


def _with(document: dict, edit) -> dict:
    copy = yaml.safe_load(yaml.safe_dump(document))
    edit(copy)
    return copy


FEED = contracts.load(CONTRACTS_DIR / "raw" / "inventory_feed.yml")


def _metric(document):
    return next(c["metric"] for c in document["checks"] if "metric" in c)


@pytest.mark.parametrize("edit, where", [
    (lambda d: _metric(d).update(treshold=_metric(d).pop("threshold")), "treshold"),
    (lambda d: d["columns"][3]["checks"][1]["invalid"].update(valid_minimum=0), "valid_minimum"),
    (lambda d: d["checks"][1].update(row_cont=d["checks"][1].pop("row_count")), "row_cont"),
    (lambda d: d.update(filtr=d.pop("filter")), "filtr"),
    (lambda d: _metric(d)["threshold"].update(level="critical"), "critical"),
])
def test_a_misspelt_key_fails_validation(edit, where):
    assert contracts.schema_errors(FEED) == []

    errors = contracts.schema_errors(_with(FEED, edit))

    assert errors and any(where in e for e in errors), errors


def test_a_misspelt_key_in_a_file_fails_validate(tmp_path):
    text = (CONTRACTS_DIR / "raw" / "inventory_feed.yml").read_text().replace("threshold:", "treshold:", 1)
    path = tmp_path / "raw" / "inventory_feed.yml"
    path.parent.mkdir()
    path.write_text(text)

    assert any("treshold" in p for p in contracts.validate(path))


def test_a_contract_in_the_wrong_place_or_with_an_unknown_variable_is_refused(tmp_path):
    path = tmp_path / "raw" / "stores.yml"
    path.parent.mkdir()
    path.write_text((CONTRACTS_DIR / "raw" / "skus.yml").read_text().replace("  database:\n", "  database:\n  who:\n"))

    problems = contracts.validate(path, declared_variables=GATE_VARIABLES)

    assert any("/raw/stores" in p for p in problems) and any("who" in p for p in problems)


def test_the_marts_contract_reads_the_business_rules_from_vars_yml():
    mart = contracts.load(CONTRACTS_DIR / "marts" / "store_missing_top_items.yml")
    columns = {c["name"]: c for c in mart["columns"]}

    def bounds(column):
        invalid = next(c["invalid"] for c in columns[column]["checks"] if "invalid" in c)
        return invalid["valid_min"], invalid["valid_max"]

    assert bounds("market_rank") == (1, "${var.market_top_n}")
    assert bounds("store_rank") == (1, "${var.store_top_n}")
    per_store = next(c["metric"] for c in mart["checks"] if c.get("metric", {}).get("qualifier") == "per-store-max")
    assert per_store["threshold"]["must_be_less_than_or_equal"] == "${var.store_top_n}"
    literals = [number for number in RULES.values() if f"valid_max: {number}\n" in
                (CONTRACTS_DIR / "marts" / "store_missing_top_items.yml").read_text()]
    assert literals == []


def test_every_history_check_names_a_metric_the_warehouse_measures():
    measured = (SQL_DIR / "ops" / "quality.sql").read_text()
    for path in PATHS:
        for check in contracts.load(path).get("checks", []):
            metric = check.get("metric") or {}
            qualifier = metric.get("qualifier", "")
            if qualifier.startswith("history-"):
                name = qualifier.removeprefix("history-")
                own_function = f"ops.dq_recommendation_{name}_pct(" if name == "churn" else None
                if own_function:  # a comparison with a function of its own, defined beside the metrics
                    assert own_function in metric["query"] and own_function.split("(")[0] in measured
                    continue
                assert f"'{contracts.dataset_of(path)}', '{name}'" in metric["query"], path
                assert f"'{name}'" in measured and f"'{contracts.dataset_of(path)}'" in measured


def test_unknown_gates_are_refused():
    with pytest.raises(contracts.UnknownGateError):
        contracts.datasets_for_gate("exports")
    with pytest.raises(contracts.UnknownGateError):
        contracts.datasets_for_gate("export:nobody")
