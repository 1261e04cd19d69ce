"""Last-mile overrides as data: one rule each, with an owner, a reason, and a life (created <= D < expires).

The article's "Time To Live" on last-mile transforms. A stakeholder's hot fix is allowed (``python -m top_items
overrides add``, or an item of retailer feedback), seen (the candidates model names ``override:<id>``, the run
summary and ``python -m top_items overrides`` list them) and pulled back: it stops applying on its expiry date,
its owner is warned ``override_warning_days`` before and paged once after (``override_notices``). Overrides live
in ``raw.overrides`` and apply only in the central SQL layer (``staging.stg_overrides``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from top_items import rules

RULES = ("suppress", "pin")
SCOPES = ("store_id", "market_id", "license_type")
STATES = ("scheduled", "active", "expiring", "expired")  # 'scheduled': created after the day asked about
ID = re.compile(r"[A-Za-z0-9]\S*")
COLUMNS = ("override_id", "rule", "sku_id", "store_id", "market_id", "license_type", "owner", "reason", "created",
           "expires", "source", "feed_date")


class OverrideRefused(ValueError):
    """An override that may not be recorded (no owner, no expiry, no single scope, ...)."""


@dataclass(frozen=True)
class Override:
    override_id: str
    rule: str
    sku_id: str
    owner: str | None
    reason: str | None
    created: date
    expires: date | None
    store_id: str | None = None
    market_id: str | None = None
    license_type: str | None = None
    source: str = "person"
    feed_date: date | None = field(default=None, compare=False)

    @property
    def scope(self) -> str:
        return next(f"{name.removesuffix('_id').replace('_', ' ')} {value}" for name in SCOPES
                    if (value := getattr(self, name)) is not None)


def refusals(override: Override) -> list[str]:
    """Why the override may not be recorded; empty when it may."""
    problems = []
    if not ID.fullmatch(override.override_id or ""):
        problems.append("an id is required: no spaces, starting with a letter or digit")
    if override.rule not in RULES:
        problems.append(f"rule must be one of {', '.join(RULES)}")
    if not (override.sku_id or "").strip():
        problems.append("a SKU is required")
    if not (override.owner or "").strip():
        problems.append("an owner is required")
    if not (override.reason or "").strip():
        problems.append("a reason is required")
    if override.expires is None:
        problems.append("an expiry date is required")
    elif override.expires <= override.created:
        problems.append(f"expires ({override.expires}) must be after created ({override.created})")
    if sum(getattr(override, name) is not None for name in SCOPES) != 1:
        problems.append("exactly one scope is required: a store, a market or a licence type")
    return problems


def state(override: Override, day: date, warning_days: int) -> str:
    """What the override is on ``day``: scheduled, active, expiring (within ``warning_days``) or expired."""
    if day >= override.expires:
        return "expired"
    if day < override.created:
        return "scheduled"
    return "expiring" if (override.expires - day).days <= warning_days else "active"


def warning_days() -> int:
    return int(rules.variables()["override_warning_days"])


def add(conn, override: Override) -> None:
    """Record a person's override; refused (nothing written) unless it has an owner, a reason, an expiry, ..."""
    problems = refusals(override)
    if problems:
        raise OverrideRefused(f"override {override.override_id!r} refused: " + "; ".join(problems))
    values = {name: getattr(override, name) for name in COLUMNS}
    with conn.transaction():
        if conn.execute("select 1 from raw.overrides where override_id = %s", (override.override_id,)).fetchone():
            raise OverrideRefused(f"override {override.override_id!r} exists already: overrides are never edited "
                                  "in place (a day recomputed later must see what it saw); add a new one")
        conn.execute(f"insert into raw.overrides ({', '.join(COLUMNS)}) values "
                     f"({', '.join(f'%({name})s' for name in COLUMNS)})", values)


def read_all(conn) -> list[Override]:
    cur = conn.execute(f"select {', '.join(COLUMNS)} from raw.overrides order by expires, override_id")
    return [Override(**dict(zip(COLUMNS, row, strict=True))) for row in cur.fetchall()]


def excluded_items(conn, feed_date: str) -> dict[str, int]:
    """Per override id, how many candidate items it excluded on the day (what it still does beyond the rules)."""
    if not conn.execute("select to_regclass('marts.fct_store_top_item_candidates') is not null").fetchone()[0]:
        return {}
    return dict(conn.execute("""
        select substr(excluded_because, length('override:') + 1), count(*)
        from marts.fct_store_top_item_candidates
        where feed_date = %s and excluded_because like 'override:%%' group by 1""", (feed_date,)).fetchall())


def table(overrides: list[Override], day: date, warning_days: int, excluded: dict[str, int] | None = None) -> str:
    """One line per override with its state on ``day`` (what ``python -m top_items overrides`` prints)."""
    lines = [f"{'state':<9} {'id':<34} {'rule':<8} {'sku':<10} {'scope':<22} {'owner':<24} {'expires':<10}"
             + (" excluded" if excluded is not None else "")]
    for override in overrides:
        lines.append(f"{state(override, day, warning_days):<9} {override.override_id:<34} {override.rule:<8} "
                     f"{override.sku_id:<10} {override.scope:<22} {override.owner:<24} {override.expires!s:<10}"
                     + (f" {excluded.get(override.override_id, 0):>8}" if excluded is not None else ""))
    if not overrides:
        lines.append("no overrides")
    return "\n".join(lines)
