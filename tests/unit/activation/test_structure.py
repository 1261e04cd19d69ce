"""One fact in one place, and a wing without knots: the ledger's names match the SQL, errors keep their two
families apart, every consumer's removal is one its destination can carry out, no module prints, no cycles."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from top_items.activation import destinations, errors, ledger
from top_items.registry import Consumer, _consumer, consumers

ACTIVATION = Path(ledger.__file__).parent
SCHEMA = (Path(ledger.__file__).parents[3] / "include" / "sql" / "ops" / "schema.sql").read_text()


def check_values(table: str, column: str) -> set[str]:
    body = SCHEMA[SCHEMA.index(f"create table if not exists ops.{table} ("):]
    body = body[:body.index(");")]
    found = re.search(rf"\b{column}\b[^\n]*(?:\n\s+)?check \({column} in \(([^)]*)\)\)", body)
    assert found, f"ops.{table}.{column} has no check constraint"
    return set(re.findall(r"'([^']+)'", found.group(1)))


class TestLedgerMatchesTheSchema:
    def test_outcome_names(self):
        assert check_values("sync_runs", "outcome") == set(ledger.OUTCOMES)

    def test_modes(self):
        assert check_values("sync_runs", "mode") == set(ledger.MODES)

    def test_decision_names(self):
        from top_items.activation import decisions

        assert check_values("consumer_decisions", "decision") == set(decisions.DECISIONS)

    @pytest.mark.parametrize(("table", "column"), [("sync_state", "last_operation"), ("sync_errors", "operation")])
    def test_operations_are_the_plan_kinds(self, table, column):
        from top_items.activation.plan import KINDS

        assert check_values(table, column) == set(KINDS)

    @pytest.mark.parametrize("column", ledger.RUN_FIELDS)
    def test_every_field_a_run_writes_is_a_column(self, column):
        assert re.search(rf"^\s+{column}\s", SCHEMA, re.MULTILINE)


class TestErrors:
    def test_retrying_later_is_not_failing_now(self):
        assert not issubclass(errors.DestinationUnavailable, errors.SyncError)
        assert not issubclass(errors.SyncError, errors.DestinationUnavailable)

    def test_every_error_lives_in_the_errors_module(self):
        defined = {node.name for path in ACTIVATION.rglob("*.py") if path.name != "errors.py"
                   for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ClassDef)
                   and any(getattr(base, "id", getattr(base, "attr", "")).endswith(("Error", "Exception"))
                           for base in node.bases)}
        assert defined == set()


class TestRegistry:
    @pytest.mark.parametrize("name", sorted(consumers()))
    def test_each_consumer_builds_its_destination_from_the_registry(self, name):
        built = destinations.build(consumers()[name])
        assert built.consumer is consumers()[name] and built.kind == consumers()[name].destination

    def test_an_unknown_destination_is_named(self):
        with pytest.raises(ValueError, match="'ftp'"):
            destinations.build(dataclasses.replace(consumers()["crm"], destination="ftp"))

    @pytest.mark.parametrize(("change", "match"), [
        ({"on_remove": "shred"}, "on_remove must be one of"),
        ({"on_remove": "clear_fields"}, "clear_fields lists"),
        ({"clear_fields": ["email"]}, "clear_fields lists"),
        ({"volume_guard": {"max_growth_ratio": 3.0, "max_shrink_ratio": 0.5}}, "max_churn_ratio"),
        ({"volume_guard": {"max_growth_ratio": 3.0, "max_shrink_ratio": 0.5, "max_churn_ratio": 0}}, "> 0"),
        ({"mode": "mirror"}, "unknown keys"),
    ])
    def test_a_bad_declaration_fails_at_load(self, change, match):
        spec = {"description": "d", "export": "exports.x", "destination": "hubspot", "connection": "c",
                "owner": "o", "key": ["store_id"], **change}
        with pytest.raises(ValueError, match=match):
            _consumer("bad", spec)

    def test_the_consumer_type_has_no_mode_any_more(self):
        assert "mode" not in {f.name for f in dataclasses.fields(Consumer)}


class TestTheWing:
    def modules(self) -> dict[str, ast.Module]:
        return {".".join(path.relative_to(ACTIVATION.parents[1]).with_suffix("").parts).removesuffix(".__init__"):
                ast.parse(path.read_text()) for path in ACTIVATION.rglob("*.py")}

    def test_no_module_prints(self):
        printing = [name for name, tree in self.modules().items() for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"]
        assert printing == []

    def test_no_import_cycle(self):
        modules = self.modules()
        graph = {name: {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                        and node.module in modules and node.module != name} for name, tree in modules.items()}
        # a package's __init__ importing its own submodules is how it registers them, not a cycle
        graph = {name: {dep for dep in deps if not dep.startswith(name + ".")} for name, deps in graph.items()}
        done: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            assert name not in path, f"import cycle: {' -> '.join(path + (name,))}"
            if name not in done:
                for dep in graph[name]:
                    visit(dep, path + (name,))
                done.add(name)

        for name in graph:
            visit(name, ())
