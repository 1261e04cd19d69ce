"""Fault operators: each breaks day D's landed files the way an upstream team could, at an intensity in (0, 1].

An operator picks its targets with the mutant's own random generator, rewrites the objects in the landing bucket
and says what it did: the stores whose lists it can touch (``None``: every store, as a reference snapshot does)
and a line for the report. ``CAUSES`` holds, per operator, words an alert or the run summary must use to count
as naming the cause; they are the fuzzer's judgement, declared here once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sandbox.simulate import landed
from top_items import settings


@dataclass(frozen=True)
class Target:
    s3: object
    day: str  # D, the day the fault lands on
    previous: str  # D-1, the last day that ran clean
    rng: random.Random
    intensity: float

    def share(self, items: list) -> list:
        """A random share of ``items`` (at least one), in their own order."""
        count = max(1, round(len(items) * self.intensity))
        chosen = set(self.rng.sample(range(len(items)), min(count, len(items))))
        return [item for index, item in enumerate(items) if index in chosen]


@dataclass(frozen=True)
class Fault:
    operator: str
    stores: frozenset[str] | None  # the stores whose lists it can touch; None: every store
    detail: str


Operator = Callable[[Target], Fault]
OPERATORS: dict[str, Operator] = {}
CAUSES: dict[str, tuple[str, ...]] = {}


def operator(*causes: str):
    def register(apply: Operator) -> Operator:
        OPERATORS[apply.__name__] = apply
        CAUSES[apply.__name__] = causes
        return apply
    return register


def _feeds(target: Target) -> list[tuple[str, str]]:
    """(store, key) of the day's feed files that a share of the stores sent."""
    keys = landed.feed_keys(target.s3, target.day)
    return target.share([(settings.feed_store_id(target.day, key), key) for key in keys])


def _rewrite_feeds(target: Target, change: Callable[[str, list[list[str]]], list[list[str]]], name: str,
                   what: str) -> Fault:
    stores = []
    for store, key in _feeds(target):
        header, rows = landed.read(target.s3, key)
        landed.write(target.s3, key, header, change(store, rows))
        stores.append(store)
    return Fault(name, frozenset(stores), f"{what} in {len(stores)} feed file(s)")


def _rewrite_reference(target: Target, table: str, change: Callable[[list[str], list[list[str]]], list[list[str]]],
                       name: str, what: str) -> Fault:
    key = settings.reference_key(table, target.day)
    header, rows = landed.read(target.s3, key)
    landed.write(target.s3, key, header, change(header, rows))
    return Fault(name, None, f"{what} in the {table} snapshot")


def _shifted(reported_at: str, days: int) -> str:
    return (date.fromisoformat(reported_at[:10]) + timedelta(days=days)).isoformat() + reported_at[10:]


@operator("stale", "identical", "replay", "previous feed")
def stale_copy_with_noise(target: Target) -> Fault:
    """Yesterday's stock delivered again with today's timestamps and one quantity nudged per file."""
    def replay(store: str, rows):
        _, earlier = landed.read(target.s3, settings.feed_key(target.previous, store))
        rows = [[*row[:3], _shifted(row[3], 1)] for row in earlier]
        if rows:
            nudged = target.rng.randrange(len(rows))
            rows[nudged][2] = str(int(rows[nudged][2] or 0) + 1)
        return rows
    return _rewrite_feeds(target, replay, "stale_copy_with_noise", "yesterday's stock, nudged,")


@operator("sku", "removed", "added", "no longer", "unknown")
def renumber_keys(target: Target) -> Fault:
    """A share of the SKU ids renumbered, consistently in the catalogue, the order lines and every feed."""
    header, rows = landed.read(target.s3, settings.reference_key("skus", target.day))
    renamed = {row[0]: f"N{row[0]}" for row in target.share(rows)}

    def rename(column: int):
        return lambda _header, rows: [[*row[:column], renamed.get(row[column], row[column]), *row[column + 1:]]
                                      for row in rows]
    _rewrite_reference(target, "skus", rename(0), "renumber_keys", "")
    _rewrite_reference(target, "order_lines", rename(3), "renumber_keys", "")
    for key in landed.feed_keys(target.s3, target.day):
        feed_header, feed_rows = landed.read(target.s3, key)
        landed.write(target.s3, key, feed_header, rename(1)(feed_header, feed_rows))
    return Fault("renumber_keys", None, f"{len(renamed)} of {len(rows)} SKU ids renumbered everywhere")


@operator("market", "licen")
def reassign_attribute(target: Target) -> Fault:
    """A share of the stores moved to another market, or given the other licence, in the store master."""
    column = target.rng.choice(["market_id", "license_type"])

    def reassign(header, rows):
        index = header.index(column)
        values = sorted({row[index] for row in rows})
        for row in target.share(rows):
            others = [value for value in values if value != row[index]] or values
            row[index] = target.rng.choice(others)
        return rows
    return _rewrite_reference(target, "stores", reassign, "reassign_attribute", f"{column} reassigned")


@operator("volume", "nip", "unit", "quantit")
def unit_change(target: Target) -> Fault:
    """A unit changed upstream: volumes in litres instead of millilitres, or stock counted in cases of 12."""
    if target.rng.random() < 0.5:
        def litres(header, rows):
            index = header.index("volume_ml")
            for row in target.share(rows):
                row[index] = str(round(int(row[index]) / 1000, 3))
            return rows
        return _rewrite_reference(target, "skus", litres, "unit_change", "volume_ml in litres")
    return _rewrite_feeds(target, lambda _store, rows: [[*row[:2], str(int(row[2] or 0) // 12), row[3]]
                                                       for row in rows], "unit_change", "stock counted in cases")


@operator("row", "missing", "dropped", "truncat", "fewer")
def truncation(target: Target) -> Fault:
    """A reference snapshot cut short: a share of its rows never arrive."""
    table = target.rng.choice(settings.REFERENCE_TABLES)

    def cut(_header, rows):
        dropped = {id(row) for row in target.share(rows)}
        return [row for row in rows if id(row) not in dropped] or rows[:1]
    return _rewrite_reference(target, table, cut, "truncation", "rows cut")


@operator("duplicate", "twice", "row", "order")
def duplication(target: Target) -> Fault:
    """A share of the order lines (or of one feed's lines) delivered twice."""
    if target.rng.random() < 0.5:
        return _rewrite_reference(target, "order_lines", lambda _header, rows: rows + target.share(rows),
                                  "duplication", "order lines duplicated")
    return _rewrite_feeds(target, lambda _store, rows: rows + target.share(rows), "duplication",
                          "feed lines duplicated")


@operator("units", "revenue", "order", "price", "name", "brand")
def swap_columns(target: Target) -> Fault:
    """Two columns of the same type swapped by an upstream change: order units and revenue, or SKU name and brand."""
    table, pair = target.rng.choice([("order_lines", ("units", "revenue")), ("skus", ("name", "brand"))])

    def swap(header, rows):
        a, b = (header.index(column) for column in pair)
        for row in target.share(rows):
            row[a], row[b] = row[b], row[a]
        return rows
    return _rewrite_reference(target, table, swap, "swap_columns", f"{pair[0]} and {pair[1]} swapped")


@operator("no valid feed", "missing", "without", "landed", "feed")
def partial_landing(target: Target) -> Fault:
    """A share of the stores' files have not landed when the day runs."""
    chosen = _feeds(target)
    landed.delete(target.s3, [key for _, key in chosen])
    return Fault("partial_landing", frozenset(store for store, _ in chosen), f"{len(chosen)} feed file(s) missing")


@operator("timestamp", "reported_at", "format", "date")
def timestamp_fault(target: Target) -> Fault:
    """Timestamps shifted by days, or written in another format."""
    shift = target.rng.choice([-3, -1, 2])
    if target.rng.random() < 0.5:
        return _rewrite_feeds(target, lambda _store, rows: [[*row[:3], _shifted(row[3], shift)] for row in rows],
                              "timestamp_fault", f"timestamps shifted {shift:+d} days")
    return _rewrite_feeds(target, lambda _store, rows: [[*row[:3], f"{row[3][8:10]}/{row[3][5:7]}/{row[3][:4]}"
                                                          f"{row[3][10:]}"] for row in rows],
                          "timestamp_fault", "timestamps as DD/MM/YYYY")


@operator("null", "missing", "zero", "quantit", "stock")
def clip_or_null(target: Target) -> Fault:
    """Quantities blanked, or clipped to zero, for a share of the lines of a share of the stores."""
    value = target.rng.choice(["", "0"])
    return _rewrite_feeds(target, lambda _store, rows: [[*row[:2], value if target.rng.random() < target.intensity
                                                         else row[2], row[3]] for row in rows],
                          "clip_or_null", f"quantities set to {value or 'null'!r}")


@operator("stale", "identical", "store", "duplicate", "other store")
def cross_store_rows(target: Target) -> Fault:
    """One store's file holds another store's stock, relabelled with its own store id."""
    keys = landed.feed_keys(target.s3, target.day)
    stores = [settings.feed_store_id(target.day, key) for key in keys]
    touched, donors = [], set()
    for store, key in _feeds(target):
        donor = target.rng.choice([other for other in stores if other != store] or [store])
        _, rows = landed.read(target.s3, settings.feed_key(target.day, donor))
        header, _ = landed.read(target.s3, key)
        landed.write(target.s3, key, header, [[store, *row[1:]] for row in rows])
        touched.append(store)
        donors.add(donor)
    # the donor's file and the copy are indistinguishable: both stores' lists are at stake
    return Fault("cross_store_rows", frozenset(touched) | donors, f"{len(touched)} file(s) hold another store's rows")


@operator("snapshot", "older", "stale", "age", "order")
def old_snapshot(target: Target) -> Fault:
    """A reference snapshot re-sent from an older date under today's name."""
    table = target.rng.choice(settings.REFERENCE_TABLES)
    header, rows = landed.read(target.s3, settings.reference_key(table, target.previous))
    landed.write(target.s3, settings.reference_key(table, target.day), header, rows)
    return Fault("old_snapshot", None, f"the {table} snapshot of {target.previous} sent as {target.day}'s")
