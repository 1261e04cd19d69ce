"""Gates: verify every contract of a gate for a feed date, record every check, and say whether to go on.

``run_gate(conn, gate, feed_date, run_id=...)`` returns a :class:`GateResult`; the task calls
``raise_for_failures()``, whose :class:`GateFailedError` message is the pager alert. A check fails the gate
when Soda reports it failed at fail level, could not evaluate it, or logged errors (a missing table, a broken
query); warn-level breaches are recorded and reported but let the run go on. On the first day, comparisons with
a metric's normal have nothing to compare with and are recorded as ``no_history`` (they pass, and say so).
The day's metrics become history only when the whole gate passed; for a published dataset (marts, exports),
only when its day is published (``history.record`` is then called by the publish step).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from top_items.layers import LAYERS, PUBLISHED_LAYERS, SOURCE_LAYER
from top_items.quality import contracts, history, soda, upstream
from top_items.quality.outcomes import (
    ERROR,
    FAIL,
    NO_HISTORY,
    NOT_EVALUATED,
    PASS,
    WARN,
    Cause,
    CheckRecord,
    check_level,
    drift_metric,
    failure_message,
    history_metric,
    map_outcome,
    threshold_text,
)
from top_items.rules import variables as rule_variables
from top_items.settings import CONTRACTS_DIR

log = logging.getLogger(__name__)

SHOW_KEYS = 10


class GateFailedError(Exception):
    """A gate found data it cannot let through; ``str()`` names every failing check (the pager text)."""

    def __init__(self, result: GateResult):
        self.result = result
        message = failure_message(result.gate, result.feed_date, result.failed)
        super().__init__(f"{upstream.PREFIX}{result.upstream}\n{message}" if result.upstream else message)


@dataclass
class GateResult:
    gate: str
    feed_date: str
    run_id: str
    checks: list[CheckRecord] = field(default_factory=list)
    seconds: float = 0.0
    metrics_recorded: int = 0
    upstream: Cause | None = None  # past the raw gate: the input drift a failure most likely comes from

    @property
    def failed(self) -> list[CheckRecord]:
        return [c for c in self.checks if c.failing]

    @property
    def warned(self) -> list[CheckRecord]:
        return [c for c in self.checks if c.outcome == WARN]

    @property
    def passed(self) -> list[CheckRecord]:
        """Checks that did not stop the gate: pass, and no_history (the first day, reported as such)."""
        return [c for c in self.checks if c.outcome in (PASS, NO_HISTORY)]

    @property
    def no_history(self) -> list[CheckRecord]:
        return [c for c in self.checks if c.outcome == NO_HISTORY]

    @property
    def ok(self) -> bool:
        return not self.failed

    def raise_for_failures(self) -> GateResult:
        if self.failed:
            raise GateFailedError(self)
        return self

    def summary(self) -> str:
        counts = {o: sum(c.outcome == o for c in self.checks) for o in (PASS, WARN, FAIL, NOT_EVALUATED, ERROR,
                                                                         NO_HISTORY)}
        text = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        return f"gate {self.gate} {self.feed_date}: {'passed' if self.ok else 'FAILED'} ({text}) in {self.seconds:.2f}s"


def run_gate(conn, gate: str, feed_date: str, *, run_id: str, layers: dict[str, str] | None = None,
             data_source=None, contracts_dir: Path = CONTRACTS_DIR, rules: dict | None = None,
             record: bool = True) -> GateResult:
    """Verify the gate's contracts for ``feed_date`` and record every check in ops.dq_results.

    ``conn``: an autocommit psycopg connection to the warehouse (reads history, writes ops tables).
    ``layers``: the schema each layer's tables are in for this run (``Workspace.variables()``: the build the
    gate audits); by default the published schemas, named after their layer.
    ``data_source``: a Soda data source; by default one built from the Airflow ``warehouse`` connection.
    ``rules``: the rule parameters the contracts see (default include/sql/vars.yml; a preview passes its tree's).
    ``record``: store the checks and the day's metrics (a preview's verdict on a shadow build stores nothing).
    Raises :class:`contracts.UnknownGateError` for an unknown gate and lets connection errors propagate
    (the task's retries handle those); data problems never raise here: see ``raise_for_failures()``.
    """
    started = time.monotonic()
    feed_date = date.fromisoformat(str(feed_date)).isoformat()
    datasets = contracts.datasets_for_gate(gate)
    result = GateResult(gate=gate, feed_date=feed_date, run_id=run_id)
    own_data_source = data_source is None
    data_source = data_source if data_source is not None else soda.data_source_from_airflow()
    opened = not data_source.has_open_connection()
    if opened:
        data_source.open_connection()
    gate_run = f"{run_id}/{gate}/{uuid.uuid4().hex[:12]}"  # the checks read the day's measures under it
    try:
        try:
            variables = _variables(feed_date, soda.database_name(data_source), layers or {}, rules, gate_run)
            for dataset in datasets:
                # Decided before the checks run: a good day recorded meanwhile (by a run of an earlier day) must
                # not turn a comparison that found no baseline into a failure.
                first_day = history.previous_good_day(conn, dataset, feed_date) is None
                history.measure(conn, gate_run, dataset, feed_date, (layers or {}).get(dataset.split(".")[0]))
                result.checks += _verify_dataset(conn, data_source, gate, dataset, feed_date, variables,
                                                 contracts_dir, first_day)
        finally:
            if opened or own_data_source:
                data_source.close_connection()
        if not result.ok and gate != SOURCE_LAYER:  # the raw gate judges the inputs themselves
            result.upstream = upstream.upstream_cause(conn, feed_date)
        if record:
            with conn.transaction():
                _record_results(conn, result)
                if result.ok:
                    result.metrics_recorded = history.record(
                        conn, [d for d in datasets if d.split(".")[0] not in PUBLISHED_LAYERS], feed_date, run_id,
                        layers, gate_run=gate_run)
    finally:
        history.forget(conn, gate_run)
    result.seconds = time.monotonic() - started
    log.info("%s", result.summary())
    for check in result.checks:
        if check.outcome != PASS:
            log.info("  %s %s: %s measured %s threshold %s %s", check.outcome, check.dataset, check.check_name,
                     check.measured_value, check.threshold, check.detail or "")
    return result


def _variables(feed_date: str, database: str, layers: dict[str, str], rules: dict | None = None,
               gate_run: str | None = None) -> dict:
    """What the contracts may use: the run's date, the database, each layer's schema, the rule parameters
    (numbers stay numbers, so ``valid_max: ${var.store_top_n}`` is read as one), and the gate run whose measures
    the checks read."""
    values = dict(rule_variables() if rules is None else rules)
    values.update({layer: layers.get(layer, layer) for layer in LAYERS})
    values.update(feed_date=feed_date, database=database, gate_run=gate_run)
    return values


def _verify_dataset(conn, data_source, gate, dataset, feed_date, variables, contracts_dir,
                    first_day: bool) -> list[CheckRecord]:
    path = contracts.contract_path(dataset, contracts_dir)

    def contract_error(detail: str) -> CheckRecord:
        return CheckRecord(gate=gate, dataset=dataset, check_name="contract verification", level="fail",
                           outcome=ERROR, check_path=str(path.relative_to(contracts_dir.parent))
                           if path.is_relative_to(contracts_dir.parent) else str(path), detail=detail)

    if not path.exists():
        return [contract_error(f"no contract file {path}")]
    problems = contracts.validate(path, declared_variables=set(variables), values=variables)
    if problems:
        return [contract_error("contract does not validate: " + "; ".join(problems))]
    declared = contracts.declared_variables(path)
    failed_rows = contracts.failed_rows_queries(path)
    verification = soda.verify(data_source, path, {name: variables[name] for name in declared})
    errored = bool(verification.errors)
    records = []
    for check_result in verification.check_results:
        check = check_result.check
        level = check_level(check.threshold, check.warn_threshold)
        drift = drift_metric(check.qualifier)
        metric = history_metric(check.qualifier) or drift
        measured = _number(check_result.threshold_value)
        without_baseline = metric is not None and not errored and first_day
        outcome = map_outcome(check_result.outcome.name, level=level, contract_errored=errored,
                              history_without_baseline=without_baseline)
        name = check.name or check.type
        detail = cause = None
        if outcome == NO_HISTORY:
            detail = (f"first day: no good day before {feed_date} in ops.dq_metrics for {dataset} {metric}; "
                      "today's value becomes the baseline if this gate passes")
        elif outcome == ERROR:
            detail = verification.errors[0]
        elif outcome != PASS:
            rows, count = _offending_rows(conn, failed_rows.get(check.qualifier or check.name), variables)
            detail = _join(_diagnostics(check_result), _keys_text(rows, count))
            if drift and count:
                cause = _drift_cause(conn, dataset, drift, feed_date, name, rows, count)
        records.append(CheckRecord(
            gate=gate, dataset=dataset, check_name=f"{check.column_name}: {name}" if check.column_name else name,
            level=level, outcome=outcome, measured_value=measured,
            threshold=threshold_text(check.threshold, check.warn_threshold), check_path=check.relative_path,
            detail=detail, cause=cause))
    if errored:
        records.append(contract_error("; ".join(verification.errors)))
    if not records:
        records.append(contract_error("the contract produced no check results"))
    return records


def _offending_rows(conn, query: str | None, variables: dict[str, str]) -> tuple[list | str | None, int]:
    """The first rows a failing failed_rows check found, in the order of their first column (the key), so an alert
    names the same keys however the rows were written, and how many there are: the keys a person needs to act on the
    alert. A text instead of rows when they could not be read."""
    if not query:
        return None, 0
    try:
        found = conn.execute(f"select *, count(*) over () from ({contracts.resolve(query, variables)}) as offending "
                             f"order by 1 limit {SHOW_KEYS + 1}").fetchall()
    except Exception as exc:  # noqa: BLE001  the check's own outcome stands; the keys are a courtesy
        return f"offending keys unavailable: {type(exc).__name__}", 0
    return [row[:-1] for row in found], (found[0][-1] if found else 0)


def _keys_text(rows: list | str | None, count: int) -> str | None:
    if not rows or isinstance(rows, str):
        return rows
    keys = ", ".join("/".join(map(str, row)) for row in rows[:SHOW_KEYS])
    return f"offending keys: {keys}{', ...' if count > SHOW_KEYS else ''}"


def _drift_cause(conn, dataset: str, metric: str, feed_date: str, measure: str, rows: list | str,
                 count: int) -> Cause | None:
    """A failing drift check in words: what its keys are a share of, and what the share normally is."""
    if isinstance(rows, str):
        return None
    context = conn.execute("select base, unit, normal from ops.dq_drift_context(%s, %s, %s::date)",
                           (dataset, metric, feed_date)).fetchone()
    if context is None:
        return None
    base, unit, normal = context
    return Cause(dataset=dataset, feed_date=feed_date, measure=measure, count=count, base=base, unit=unit,
                 keys=tuple(str(row[0]) for row in rows), normal=_number(normal))


def _join(*parts: str | None) -> str | None:
    return "; ".join(part for part in parts if part) or None


def _number(value) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _diagnostics(check_result) -> str | None:
    try:
        text = check_result.log_table_row_diagnostics(verbose=False)
    except Exception:  # noqa: BLE001  diagnostics are a courtesy; never let them hide the outcome
        text = str(check_result.diagnostic_metric_values or "")
    return " ".join(text.split()) or None


def _record_results(conn, result: GateResult) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "insert into ops.dq_results (run_id, gate, dataset, check_name, check_path, level, outcome, "
            "measured_value, threshold, detail, feed_date) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(result.run_id, c.gate, c.dataset, c.check_name, c.check_path, c.level, c.outcome, c.measured_value,
              c.threshold, c.detail, result.feed_date) for c in result.checks])
