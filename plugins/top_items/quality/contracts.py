"""The contracts (include/contracts/<schema>/<table>.yml), which gate checks which, and their validation.

Soda parses a contract leniently: a misspelt key (``treshold:``) is ignored and the check passes on defaults.
Every contract is therefore validated against the JSON schema shipped in the soda-core wheel, by the tests and
again by the gate before it runs a contract (a contract that does not validate is an error, never a pass).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from top_items import registry
from top_items.settings import CONTRACTS_DIR

SCHEMA_RESOURCE = ("soda_core.contracts", "soda_data_contract_json_schema_1_0_0.json")

# Which datasets each gate verifies, in order. Export gates are named after the consumer ("export:crm"); the
# consumer registry (consumers.yml) says which export table that is.
GATE_DATASETS: dict[str, tuple[str, ...]] = {
    "raw": ("raw.inventory_feed", "raw.stores", "raw.skus", "raw.order_lines", "raw.overrides"),
    "marts": ("marts.store_missing_top_items",),
}
EXPORT_GATE_PREFIX = "export:"


def gates() -> tuple[str, ...]:
    """Every gate: the fixed ones, then one per consumer of the registry."""
    return tuple(GATE_DATASETS) + tuple(EXPORT_GATE_PREFIX + name for name in registry.consumers())


class UnknownGateError(ValueError):
    pass


def datasets_for_gate(gate: str) -> tuple[str, ...]:
    if gate in GATE_DATASETS:
        return GATE_DATASETS[gate]
    if gate.startswith(EXPORT_GATE_PREFIX):
        try:
            return (registry.consumer(gate[len(EXPORT_GATE_PREFIX):]).export,)
        except KeyError as exc:
            raise UnknownGateError(f"unknown gate {gate!r}: {exc.args[0]}") from None
    raise UnknownGateError(f"unknown gate {gate!r}; expected one of {', '.join(gates())}")


def contract_path(dataset: str, contracts_dir: Path = CONTRACTS_DIR) -> Path:
    schema, _, table = dataset.partition(".")
    if not schema or not table:
        raise ValueError(f"dataset must be schema.table, not {dataset!r}")
    return contracts_dir / schema / f"{table}.yml"


def contract_paths(contracts_dir: Path = CONTRACTS_DIR) -> list[Path]:
    """Every contract file (consumers.yml and other top-level files are not contracts)."""
    return sorted(path for path in contracts_dir.glob("*/*.yml"))


def dataset_of(path: Path) -> str:
    return f"{path.parent.name}.{path.stem}"


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict):
        raise TypeError(f"{path}: a contract is a YAML mapping")
    return document


@lru_cache(maxsize=1)
def json_schema() -> dict:
    package, name = SCHEMA_RESOURCE
    return json.loads(resources.files(package).joinpath(name).read_text())


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: dict) -> list[str]:
    """Where ``document`` breaks Soda's contract JSON schema ('' when it does not)."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{e.json_path}: {_short(e)}" for e in errors]


def _short(error) -> str:
    # anyOf/oneOf errors say little; the deepest matching sub-error names the offending key.
    best = error
    while best.context:
        best = min(best.context, key=lambda e: (-len(e.absolute_path), str(e.message)))
    message = best.message if best is not error else error.message
    return message if len(message) <= 300 else message[:297] + "..."


def validate(path: Path, *, declared_variables: set[str] | None = None, values: dict | None = None) -> list[str]:
    """Schema errors plus our own conventions: the file is named after its dataset, variables are known.

    ``values``: the variables the gate sets; a value that stands for a number (``valid_max: ${var.store_top_n}``)
    is checked as that number, as Soda will read it.
    """
    try:
        document = load(path)
    except (yaml.YAMLError, TypeError) as exc:
        return [f"not a YAML mapping: {exc}"]
    problems = schema_errors(_resolved(document, values) if values else document)
    dataset = str(document.get("dataset", ""))
    schema, table = path.parent.name, path.stem
    # A layer a run builds aside is named by a variable (${var.marts}): the gate points it at the run's build.
    if not any(dataset.endswith(f"/{place}/{table}") for place in (schema, f"${{var.{schema}}}")):
        problems.append(f"dataset {dataset!r} does not end with /{schema}/{table} or /${{var.{schema}}}/{table} "
                        "(the file's place)")
    if declared_variables is not None:
        unknown = set(document.get("variables") or {}) - declared_variables
        if unknown:
            problems.append(f"variables {sorted(unknown)} are not set by the gate ({sorted(declared_variables)})")
    return problems


def declared_variables(path: Path) -> list[str]:
    return list((load(path).get("variables") or {}).keys())


def _resolved(node, values: dict):
    if isinstance(node, dict):
        return {key: _resolved(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(value, values) for value in node]
    if isinstance(node, str) and (whole := VARIABLE.fullmatch(node)) and whole.group(1) in values:
        return values[whole.group(1)]  # a value that is only a variable takes the variable's type, as in Soda
    return node


VARIABLE = re.compile(r"\$\{\s*var\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def resolve(text: str, variables: dict[str, str]) -> str:
    """``${var.name}`` replaced by its value, as Soda resolves a contract (an unknown name is left as written)."""
    return VARIABLE.sub(lambda m: str(variables.get(m.group(1), m.group(0))), text)


def _failed_rows_checks(path: Path) -> list[dict]:
    document = load(path)
    checks = list(document.get("checks") or [])
    for column in document.get("columns") or []:
        checks += column.get("checks") or []
    bodies = [(check or {}).get("failed_rows") if isinstance(check, dict) else None for check in checks]
    return [body for body in bodies if isinstance(body, dict)]


def failed_rows_queries(path: Path) -> dict[str, str]:
    """Each failed_rows check's query, by its qualifier (or name): what the gate re-runs to list offending keys."""
    return {body.get("qualifier") or body.get("name"): body["query"]
            for body in _failed_rows_checks(path) if body.get("query")}


def check_names(path: Path) -> dict[str, str]:
    """Each failed_rows check's name, by its qualifier: the words a drift measure is said in."""
    return {body["qualifier"]: body.get("name") or body["qualifier"]
            for body in _failed_rows_checks(path) if body.get("qualifier")}
