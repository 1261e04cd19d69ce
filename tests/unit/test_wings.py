"""The two wings: the product (the library and the pipeline's DAGs) never imports the simulated world."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import REPO

SANDBOX = "sandbox"
# The one DAG that may: it stands in for the source systems.
SANDBOX_DAGS = {"simulate_source_systems.py"}
PRODUCT_FILES = sorted([*(REPO / "plugins").rglob("*.py"),
                        *(path for path in (REPO / "dags").glob("*.py") if path.name not in SANDBOX_DAGS)])


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.add(str(node.args[0].value))
    return found


@pytest.mark.parametrize("path", PRODUCT_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_the_product_never_imports_the_sandbox(path):
    leaks = {name for name in imported_modules(path) if name == SANDBOX or name.startswith(SANDBOX + ".")}
    assert not leaks, f"{path.relative_to(REPO)} imports the simulated world: {sorted(leaks)}"


def test_the_check_sees_an_import_of_the_sandbox(tmp_path):
    leaky = tmp_path / "leaky.py"
    leaky.write_text("def f():\n    from sandbox.world import stack\n"
                     "    return importlib.import_module('sandbox.mocks')\n")
    assert imported_modules(leaky) >= {"sandbox.world", "sandbox.mocks"}


def test_the_sandbox_is_not_under_the_product():
    assert not (REPO / "plugins" / SANDBOX).exists() and (REPO / SANDBOX / "__init__.py").exists()
