"""The preview as a terminal reads it: a counts table per consumer, then per consumer the fields that changed, a
sample, the push plan, the volume guard's verdict and the contract's outcome; last, the verdict and exit code."""

from __future__ import annotations

import textwrap

import pandas as pd

from top_items.activation.plan import ADD, CHANGE, REMOVE, RESTAMP, list_items
from top_items.preview.diff import ADDED, CHANGED, REMOVED, canonical
from top_items.preview.run import ConsumerPreview, Preview
from top_items.quality.gate import GateResult
from top_items.quality.outcomes import failure_line
from top_items.settings import REPO_ROOT

WIDTH = 110  # a sample line is cut here, the guard's verdict wrapped
MARKS = {ADDED: "+", CHANGED: "~", REMOVED: "-"}


def format_report(result: Preview, *, sample: int = 3) -> str:
    target = result.shadow
    tree = target.sql_dir.relative_to(REPO_ROOT) if target.sql_dir.is_relative_to(REPO_ROOT) else target.sql_dir
    out = [f"Change preview for {result.feed_date}: the model files in {tree} against what is {result.against}",
           f"  shadow {target.workspace.schema('*')}: {len(target.models)} models built from the same raw data "
           "(dropped; nothing published, no destination called)"]
    if target.error:
        out.append(f"  BUILD FAILED: {target.error}")
    if result.marts_gate is not None:
        out.append(_gate_lines(result.marts_gate, indent="  "))
    if result.consumers:
        out += ["", counts_table(result).to_string(index=False)]
    for each in result.consumers:
        out += ["", *_consumer_lines(each, sample)]
    out.append("")
    if result.reasons:
        out.append(f"STOPPED (exit {result.exit_code}): a real run of this change would not reach every consumer:")
        out += [f"  - {reason}" for reason in result.reasons]
    else:
        out.append(f"passes (exit {result.exit_code}): every model builds, every gate passes, no guard would block")
    return "\n".join(out)


def counts_table(result: Preview) -> pd.DataFrame:
    """One row per consumer: records published and previewed, added / changed / removed, contract and guard."""
    rows = []
    for each in result.consumers:
        counts = each.diff.counts() if each.diff else {}
        rows.append({"consumer": each.consumer.name, "published": len(each.diff.before) if each.diff else None,
                     "preview": len(each.diff.after) if each.diff else None, **{k: counts.get(k) for k in
                     (ADDED, CHANGED, REMOVED, "unchanged")},
                     "contract": "passed" if each.gate.ok else "FAILED", "volume guard": _guard_word(each)})
    return pd.DataFrame(rows).astype({k: "Int64" for k in ("published", "preview", ADDED, CHANGED, REMOVED,
                                                            "unchanged")})


def _guard_word(each: ConsumerPreview) -> str:
    if each.verdict is None:
        return "n/a"
    if each.backfill_of is not None:
        return "backfill"
    return "allowed" if each.verdict.allowed else "BLOCKED"


def _consumer_lines(each: ConsumerPreview, sample: int) -> list[str]:
    spec = each.consumer
    lines = [f"{spec.name} -> {spec.destination} ({spec.export}, tier {spec.tier})"]
    if each.error:
        lines.append(f"  ERROR: {each.error}")
    if each.diff:
        fields = each.diff.field_counts()
        lines.append("  changed fields: " + (", ".join(f"{name} in {n}" for name, n in fields.items()) or "none"))
        shown = each.diff.sample(sample)
        if shown:
            lines.append("  sample:")
            lines += [_cut(f"    {MARKS[kind]} {key}  {_describe(each, kind, key)}") for kind, key in shown]
    if each.plan:
        counts = each.plan.counts()
        lines.append(f"  push plan against the ledger: {counts[ADD]} adds, {counts[CHANGE]} changes, "
                     f"{counts[RESTAMP]} restamps, {counts[REMOVE]} removes ({each.plan.rows} rows)")
    if each.verdict:
        lines.append(textwrap.fill(f"  volume guard {_guard_word(each)}: {each.verdict.message}", WIDTH,
                                   subsequent_indent="    ", break_on_hyphens=False))
    lines.append(_gate_lines(each.gate, indent="  "))
    return lines


def _gate_lines(gate: GateResult, *, indent: str) -> str:
    lines = [f"{indent}{gate.summary()}"]
    lines += [_cut(f"{indent}  - {failure_line(check)}") for check in gate.failed]
    lines += [_cut(f"{indent}  warn: {check.dataset} {check.check_name}") for check in gate.warned]
    return "\n".join(lines)


def _describe(each: ConsumerPreview, kind: str, key: str) -> str:
    before, after = each.diff.before.get(key), each.diff.after.get(key)
    if kind == ADDED:
        return _show(after, limit=WIDTH)
    if kind == REMOVED:
        return _show(before, limit=WIDTH)
    return "; ".join(_field_change(each, name, before.get(name), after.get(name)) for name in each.diff.changed[key])


def _field_change(each: ConsumerPreview, name: str, old, new) -> str:
    """``field: old -> new``; for the consumer's list field (churn_items), the elements that leave and join."""
    spec = each.consumer
    if spec.churn_list and spec.churn_list["field"] == name:
        held, now = list_items(spec, {name: old}), list_items(spec, {name: new})
        gone, joined = [i for i in held if i not in now], [i for i in now if i not in held]
        moves = " ".join([*(f"-{i}" for i in gone), *(f"+{i}" for i in joined)]) or "same elements, new order"
        return f"{name}: {len(held)} -> {len(now)} elements: {moves}"
    return f"{name}: {_show(old)} -> {_show(new)}"


def _show(value, limit: int = 40) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cut(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."
