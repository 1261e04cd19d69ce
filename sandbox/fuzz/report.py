"""The fuzzer's tables: per operator and intensity, how its mutants ended; and the normal days' false alarms."""

from __future__ import annotations

from collections import Counter, defaultdict

from sandbox.fuzz.run import CONTAINED, OUTCOMES, STOPPED, Verdict

COLUMNS = ("mutants", *OUTCOMES, "named")


def tally(verdicts: list[Verdict]) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for verdict in verdicts:
        row = rows[verdict.mutant.label if len(verdict.mutant.faults) == 1 else "pairs"]
        row["mutants"] += 1
        row[verdict.outcome] += 1
        row["named"] += verdict.named
    return dict(rows)


def named_share(verdicts: list[Verdict]) -> float | None:
    judged = [v for v in verdicts if v.outcome in (CONTAINED, STOPPED)]
    return sum(v.named for v in judged) / len(judged) if judged else None


def table(verdicts: list[Verdict]) -> str:
    rows = tally(verdicts)
    width = max(len(label) for label in [*rows, "operator@intensity"])
    lines = [f"{'operator@intensity':<{width}}  " + "  ".join(f"{c:>9}" for c in COLUMNS)]
    lines += [f"{label:<{width}}  " + "  ".join(f"{row[c]:>9}" for c in COLUMNS) for label, row in rows.items()]
    total = {c: sum(row[c] for row in rows.values()) for c in COLUMNS}
    lines.append(f"{'all':<{width}}  " + "  ".join(f"{total[c]:>9}" for c in COLUMNS))
    share = named_share(verdicts)
    lines.append(f"named: {'-' if share is None else f'{share:.0%}'} of the contained or stopped mutants")
    for verdict in verdicts:
        if verdict.outcome == "missed":
            lines.append(f"MISSED {verdict.mutant.label} (seed {verdict.mutant.seed}): "
                         + "; ".join(f.detail for f in verdict.faults)
                         + f"; differs for {verdict.differing}; alerts: {verdict.alerts or 'none'}")
    return "\n".join(lines)


def normal_days(days: list[tuple[str, str, int, list[str]]]) -> str:
    pages = [(day, state, paged) for day, state, paged, _ in days if paged or state != "success"]
    # A warning names its check and measured value: the check, the part before " = ", is what repeats.
    warned = Counter(note.split(" = ")[0] for *_, notes in days for note in notes)
    lines = [f"{len(days)} normal days: {len(pages)} with a page or a failed run (false alarms), "
             f"{sum(warned.values())} warnings in all"]
    lines += [f"  false alarm {day}: run {state}, {paged} page(s)" for day, state, paged in pages]
    lines += [f"  {count} x {check}" for check, count in warned.most_common()]
    return "\n".join(lines)
