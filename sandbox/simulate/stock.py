"""How a store's stock moves from day to day: sales deplete it, deliveries on the store's restock weekday refill it.

A feed reports the stock on the morning of its day: the last delivery of each SKU (or the store's opening
stock) minus what sold since, never below zero (a sale that finds an empty shelf is lost). Fast movers are delivered
every week, slower ones every second or fourth week, so the stock of day D depends on at most the 27 days before it:
any day is computed on its own, with no day before it generated from scratch, and is the same whichever day was asked
first. Every draw is seeded by (store, week) or (store, delivery day), never by a running count of days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sandbox.simulate.catalog import EPOCH, Catalog, Sku, Store, np_rng, rng

# Orders and sales by weekday (Monday first), averaging 1: Friday and Saturday are the busy days.
WEEKDAY_LIFT = (0.85, 0.85, 0.9, 1.0, 1.25, 1.35, 0.8)
PROMOTION_LIFT = 3.0
OFF_SEASON_LIFT = 0.05  # a seasonal SKU still sells the odd bottle out of season
CYCLES = (1, 2, 4)  # weeks between deliveries of a SKU: fast, medium and slow movers
MONDAY = EPOCH - timedelta(days=EPOCH.weekday())  # weeks start on Mondays


def week_of(day: date) -> int:
    return (day - MONDAY).days // 7


@dataclass(frozen=True)
class Shelf:
    """What a store carries and how each line moves: fixed for the store's life."""
    skus: list[Sku]
    rate: np.ndarray  # units sold on an average day
    cycle: np.ndarray  # weeks between deliveries
    phase: np.ndarray  # which weeks the delivery comes
    par: np.ndarray  # what a delivery fills the line up to, before the case rounding
    restock_weekday: int  # Monday 0 to Saturday 5: distributors do not deliver on Sundays


def assortment(catalog: Catalog, store: Store) -> list[Sku]:
    """The SKUs a store stocks: stable from day to day, popular ones more likely, licence respected."""
    r = rng(catalog.spec.seed, "assortment", store.store_id)
    top = max(sku.popularity for sku in catalog.skus)
    return [sku for sku in catalog.skus
            if r.random() < 0.25 + 0.6 * min(1.0, sku.popularity / top * 3)
            and (store.sells_liquor or not sku.is_liquor)]


def shelf(catalog: Catalog, store: Store) -> Shelf:
    key = ("shelf", store.store_id)
    if key in catalog._memo:
        return catalog._memo[key]
    skus = assortment(catalog, store)
    r = np_rng(catalog.spec.seed, "shelf", store.store_id)
    taste = catalog.taste(store.market_id)
    weight = np.array([sku.popularity * taste[sku.sku_id] for sku in skus])
    if len(skus):
        weight = np.minimum(weight, 4 * weight.mean())  # no one line (a seasonal one, say) takes the store's sales
    # About half a unit per listed line a day, and as much as a sixty-line store sells however few lines it lists:
    # popular lines take most of it, but every line sells now and then, so a normal day changes a fair share of a
    # store's lines and leaves the rest as they were.
    units = max(len(skus), 60) * 0.5 * r.lognormal(0, 0.25)
    rate = units * (0.5 * weight / weight.sum() + 0.5 / len(skus)) if len(skus) else weight
    weekly = rate * 7
    cycle = np.where(weekly >= 3, CYCLES[0], np.where(weekly >= 0.75, CYCLES[1], CYCLES[2]))
    # Weeks of sales a delivery covers: the cycle, ordered a little short or long, and a back-room safety stock; lines
    # ordered short with little safety sell out before the next delivery.
    cover = cycle * r.uniform(0.6, 1.5, len(skus)) + r.exponential(0.8, len(skus))
    par = np.maximum(r.integers(2, 7, len(skus)), np.ceil(weekly * cover)).astype(np.int64)
    made = Shelf(skus=skus, rate=rate, cycle=cycle, phase=r.integers(0, 4, len(skus)) % cycle, par=par,
                 restock_weekday=int(r.integers(0, 6)))
    catalog._memo[key] = made
    return made


def _lift(catalog: Catalog, store: Store, skus: list[Sku], day: date) -> np.ndarray:
    """Each line's sales multiplier on ``day``: the weekday, the market's promotions, the season."""
    promoted = catalog.promoted(store.market_id, day)
    return WEEKDAY_LIFT[day.weekday()] * np.array([
        (PROMOTION_LIFT if sku.sku_id in promoted else 1.0) * (1.0 if sku.in_season(day.month) else OFF_SEASON_LIFT)
        for sku in skus])


def _sales(catalog: Catalog, store: Store, first: date, last: date) -> np.ndarray:
    """Units sold per day (rows, ``first`` to ``last`` inclusive) and line, drawn a week at a time per store."""
    plan = shelf(catalog, store)
    weeks = []
    for week in range(week_of(first), week_of(last) + 1):
        monday = MONDAY + timedelta(weeks=week)
        days = [monday + timedelta(days=offset) for offset in range(7)]
        lam = plan.rate * np.stack([_lift(catalog, store, plan.skus, day) for day in days])
        weeks.append(np_rng(catalog.spec.seed, "sales", store.store_id, week).poisson(lam))
    sold = np.concatenate(weeks) if weeks else np.zeros((0, len(plan.skus)), dtype=np.int64)
    offset = (first - (MONDAY + timedelta(weeks=week_of(first)))).days
    return sold[offset: offset + (last - first).days + 1]


def _delivered(catalog: Catalog, store: Store, day: date, n: int) -> np.ndarray:
    """What a delivery on ``day`` fills each line up to above its par: whole cases leave a seeded remainder."""
    return np_rng(catalog.spec.seed, "delivery", store.store_id, day.isoformat()).integers(0, 4, n)


def stock(catalog: Catalog, store: Store, day: date) -> np.ndarray:
    """Each line's units on the morning of ``day`` (the store must be open that day)."""
    plan = shelf(catalog, store)
    n = len(plan.skus)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    last_restock = day - timedelta(days=(day.weekday() - plan.restock_weekday) % 7)
    # Each line's last delivery: the newest restock day of one of its delivery weeks (within its cycle)
    back = (week_of(last_restock) + plan.phase) % plan.cycle
    delivered = np.array([last_restock - timedelta(weeks=int(weeks)) for weeks in back])
    if store.opens is not None:
        delivered = np.where(delivered < store.opens, store.opens, delivered)
    first = min(delivered)
    level = np.zeros(n, dtype=np.int64)
    for when in sorted(set(delivered)):
        lines = delivered == when
        level[lines] = plan.par[lines] + _delivered(catalog, store, when, n)[lines]
    if first == day:
        return level
    sold = np.cumsum(_sales(catalog, store, first, day - timedelta(days=1)), axis=0)
    since = np.array([(when - first).days for when in delivered])
    before = np.where(since > 0, sold[np.maximum(since - 1, 0), np.arange(n)], 0)
    return np.maximum(level - (sold[-1] - before), 0)
