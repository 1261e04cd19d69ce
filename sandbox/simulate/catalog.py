"""A deterministic marketplace: markets, stores and SKUs drawn from one seed.

Every random choice comes from ``rng(seed, purpose, key)``, a generator seeded by a string, so one store's
data never depends on how many other stores or days were generated, and the same seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cached_property

import numpy as np

# The store master as specified is the marketplace up to this day; stores open and close after it, never before.
# It lies after the days the test worlds simulate, whose pinned store counts are the spec's.
EPOCH = date(2027, 1, 1)


def rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, *parts)))


def np_rng(seed: int, *parts: object) -> np.random.Generator:
    """``rng`` for vectors: seeded by the same kind of string, so one store's stock never depends on another's."""
    key = ":".join(str(part) for part in (seed, *parts)).encode()
    return np.random.default_rng(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big"))


def _knob(default, help: str, minimum: float | None = None, maximum: float | None = None):
    """A field of the world's spec; its help and bounds are what the CLI and the simulator DAG's params show."""
    return field(default=default, metadata={"help": help, "minimum": minimum, "maximum": maximum})


@dataclass(frozen=True)
class WorldSpec:
    """The simulation's knobs, declared once: ``python -m sandbox simulate`` and the ``simulate_source_systems``
    DAG build their flags and params from these fields, with these defaults."""

    seed: int = _knob(42, "every random choice derives from it")
    markets: int = _knob(4, "markets the stores are spread over", minimum=1)
    stores: int = _knob(40, "stores in the store master before stores start opening and closing", minimum=1)
    skus: int = _knob(300, "SKUs in the catalogue", minimum=20)
    days: int = _knob(90, "days of order history", minimum=1)
    orders_per_store_day: int = _knob(6, "orders a store takes on an average day", minimum=1)
    bad_row_rate: float = _knob(0.0, "share of feed rows broken on purpose (each kind the loader must quarantine)",
                                minimum=0, maximum=1)
    missing_feeds: int = _knob(0, "stores whose feed does not arrive on the day", minimum=0)
    promotions_per_market_week: float = _knob(
        1.0, "SKUs a market starts promoting each week; a promotion runs 7 to 14 days and sells 3x", minimum=0)
    store_closures_per_year: float = _knob(
        0.02, "share of stores that close within a year, each on its own seeded day once store events start",
        minimum=0, maximum=1)
    store_openings_per_year: float = _knob(
        0.02, "stores a market opens in a year, as a share of its stores; one seeded market grows five times as fast",
        minimum=0, maximum=10)
    store_events_lead_days: int = _knob(
        0, "days before 2027-01-01 that stores start opening and closing (0: the store master is fixed until then)",
        minimum=0)

    def __post_init__(self) -> None:
        if self.markets < 1 or self.stores < self.markets or self.skus < 20 or self.days < 1:
            raise ValueError("need markets >= 1, stores >= markets, skus >= 20 and days >= 1")
        if not 0 <= self.bad_row_rate <= 1 or not 0 <= self.missing_feeds <= self.stores:
            raise ValueError("bad_row_rate must be in [0, 1] and missing_feeds in [0, stores]")
        if (self.promotions_per_market_week < 0 or not 0 <= self.store_closures_per_year <= 1
                or not 0 <= self.store_openings_per_year <= 10 or self.store_events_lead_days < 0):
            raise ValueError("need promotions_per_market_week >= 0, store_closures_per_year in [0, 1] and "
                             "store_openings_per_year in [0, 10], and store_events_lead_days >= 0")


def knobs() -> list:
    """The spec's fields, each with ``name``, ``type``, ``default`` and ``metadata`` (help, minimum, maximum)."""
    return list(fields(WorldSpec))


@dataclass(frozen=True)
class Store:
    store_id: str
    store_name: str
    market_id: str
    license_type: str  # full_liquor | beer_wine
    email: str
    salesforce_account_id: str
    utc_offset: str
    opens: date | None = None  # None: open since before the epoch
    closes: date | None = None  # None: never; the first day it is gone

    @property
    def sells_liquor(self) -> bool:
        return self.license_type == "full_liquor"

    def open_on(self, day: date) -> bool:
        return (self.opens is None or self.opens <= day) and (self.closes is None or day < self.closes)


@dataclass(frozen=True)
class Sku:
    sku_id: str
    name: str
    brand: str
    category: str
    is_liquor: bool
    volume_ml: int
    season_start_month: int | None
    season_end_month: int | None
    price: float
    popularity: float

    def in_season(self, month: int) -> bool:
        start, end = self.season_start_month, self.season_end_month
        if start is None or end is None:
            return True
        return start <= month <= end if start <= end else month >= start or month <= end


MARKETS = [("M01", "Boston", "-05:00"), ("M02", "Austin", "-06:00"), ("M03", "Denver", "-07:00"),
           ("M04", "Seattle", "-08:00"), ("M05", "Chicago", "-06:00"), ("M06", "Miami", "-05:00"),
           ("M07", "Phoenix", "-07:00"), ("M08", "Atlanta", "-05:00")]
STORE_WORDS = (["Corner", "Harbor", "Main Street", "Liberty", "Oak", "Summit", "Union", "Village", "Riverside",
                "Maple"],
               ["Liquors", "Wine & Spirits", "Beer, Wine & More", "Package Store", "Bottle Shop", "Cellars"])

# (category, is_liquor, volumes, price range, brands, products, season)
TEMPLATES = [
    ("seltzer", False, [355], (17.0, 22.0), ["Polar Claw", "Tidewater", "Brightwave"],
     ["Hard Seltzer Variety Pack #{n}", "Black Cherry Seltzer 12pk", "Lime Seltzer 6pk"], None),
    ("beer", False, [355, 473], (9.0, 24.0), ["Harbor Light", "Old Mill", "Ridgeback", "Copper Kettle"],
     ["IPA 6pk", "Lager 12pk", "Pale Ale 6pk", "Pilsner 12pk", "Stout 4pk"], None),
    ("wine", False, [750, 1500], (11.0, 38.0), ["Whispering Pine", "Domaine Clair", "Red Mesa", "Sunfield"],
     ["Cabernet Sauvignon", "Pinot Noir", "Chardonnay", "Sauvignon Blanc", "Malbec"], None),
    ("vodka", True, [750, 1000], (14.0, 34.0), ["Borealis", "Smirnitz", "Glacier Line"],
     ["Vodka", "Citrus Vodka"], None),
    ("whiskey", True, [750], (22.0, 65.0), ["Iron Barrel", "Kettle Creek", "Highmoor"],
     ["Bourbon", "Rye Whiskey", "Single Malt"], None),
    ("tequila", True, [750], (24.0, 55.0), ["Casa Alba", "Agave Sol"], ["Blanco Tequila", "Reposado Tequila"], None),
    ("rum", True, [750], (15.0, 30.0), ["Isla Verde", "Captain's Reef"], ["Spiced Rum", "White Rum"], None),
    ("gin", True, [750], (19.0, 40.0), ["Juniper Hall", "Foggy Dock"], ["London Dry Gin"], None),
    ("nips", True, [50], (1.5, 3.5), ["Borealis", "Iron Barrel", "Fireside"], ["Nip {n}", "Cinnamon Whisky Nip"], None),
    ("seasonal", True, [750], (16.0, 28.0), ["Smirnitz"], ["Peppermint Vodka"], (11, 1)),
    ("seasonal", True, [750], (18.0, 26.0), ["Hollyberry"], ["Eggnog Liqueur"], (12, 1)),
    ("seasonal", False, [750], (12.0, 20.0), ["Whispering Pine"], ["Summer Rosé"], (5, 8)),
    ("seasonal", False, [355], (10.0, 14.0), ["Old Mill"], ["Pumpkin Ale 6pk"], (9, 10)),
]
# Nips and seltzers dominate unit counts; the top of each market's list must show every rule at work.
CATEGORY_WEIGHT = {"seltzer": 3.0, "nips": 2.5, "seasonal": 2.0, "beer": 1.5, "wine": 1.2}


class Catalog:
    def __init__(self, spec: WorldSpec):
        self.spec = spec
        self._memo: dict[tuple, object] = {}

    def _market(self, index: int) -> tuple[str, str]:
        """The market id and UTC offset of the index-th market (0-based)."""
        if self.spec.markets <= len(MARKETS):
            market_id, _, offset = MARKETS[index % len(MARKETS)]
            return market_id, offset
        return f"M{index + 1:02d}", "-05:00"

    @property
    def events_from(self) -> date:
        """The first day a store may open or close: the epoch, or earlier by the spec's lead."""
        return EPOCH - timedelta(days=self.spec.store_events_lead_days)

    def _closing_day(self, *key: object, since: date) -> date | None:
        """A store's seeded closing day: a constant hazard, drawn from its own stream so no other store moves it."""
        rate = self.spec.store_closures_per_year
        years = rng(self.spec.seed, "closes", *key).expovariate(-math.log(1 - rate)) if 0 < rate < 1 else (
            0.0 if rate == 1 else math.inf)
        return since + timedelta(days=1 + int(years * 365.25)) if years < 200 else None

    @cached_property
    def stores(self) -> list[Store]:
        """The store master on the epoch, each store with the day it closes (if it does)."""
        stores = []
        for index in range(1, self.spec.stores + 1):
            stores.append(self._store(rng(self.spec.seed, "store", index), f"S{index:04d}",
                                      (index - 1) % self.spec.markets, f"001SIM{index:012d}", None,
                                      self._closing_day(index, since=self.events_from)))
        return stores

    def _store(self, r: random.Random, store_id: str, market: int, account: str, opens: date | None,
               closes: date | None) -> Store:
        market_id, offset = self._market(market)
        return Store(store_id=store_id, store_name=f"{r.choice(STORE_WORDS[0])} {r.choice(STORE_WORDS[1])}",
                     market_id=market_id, license_type="beer_wine" if r.random() < 0.3 else "full_liquor",
                     email=f"{store_id.lower()}@stores.example.com", salesforce_account_id=account,
                     utc_offset=offset, opens=opens, closes=closes)

    @cached_property
    def growing_market(self) -> int:
        return rng(self.spec.seed, "growing-market").randrange(self.spec.markets)

    def opened_stores(self, until: date) -> list[Store]:
        """Stores that opened after the epoch, up to ``until``: per market a Poisson process whose rate is a share
        of the market's stores at the epoch. Their ids (``S<market>N<n>``) cannot collide with the epoch's."""
        opened = []
        for market in range(self.spec.markets):
            base = sum(1 for index in range(self.spec.stores) if index % self.spec.markets == market)
            rate = self.spec.store_openings_per_year * base * (5 if market == self.growing_market else 1)
            if rate <= 0:
                continue
            gaps, day, number = rng(self.spec.seed, "openings", market), self.events_from, 0
            while True:
                day += timedelta(days=1 + int(gaps.expovariate(rate) * 365.25))
                if day > until:
                    break
                number += 1
                opened.append(self._store(rng(self.spec.seed, "opened-store", market, number),
                                          f"S{market + 1:02d}N{number:03d}", market,
                                          f"001SIMN{market + 1:03d}{number:08d}", day,
                                          self._closing_day("opened", market, number, since=day)))
        return opened

    def stores_on(self, day: date) -> list[Store]:
        """The store master on ``day``: the epoch's stores not yet closed, and those opened since."""
        key = ("stores_on", day)
        if key not in self._memo:
            self._memo[key] = [store for store in self.stores + self.opened_stores(day) if store.open_on(day)]
        return self._memo[key]

    def promoted(self, market_id: str, day: date) -> frozenset[str]:
        """The SKU ids a market promotes on ``day``: each week a seeded few start, each running 7 to 14 days."""
        key = ("promoted", market_id, day)
        if key not in self._memo:
            week = (day - EPOCH).days // 7
            skus = set()
            for started in range(week - 2, week + 1):  # a promotion started at most 20 days ago
                r = rng(self.spec.seed, "promotion", market_id, started)
                rate = self.spec.promotions_per_market_week
                for _ in range(int(rate) + (r.random() < rate - int(rate))):
                    sku, start, length = r.choice(self.skus), r.randrange(7), r.randint(7, 14)
                    if 0 <= (day - EPOCH).days - (started * 7 + start) < length:
                        skus.add(sku.sku_id)
            self._memo[key] = frozenset(skus)
        return self._memo[key]

    def taste(self, market_id: str) -> dict[str, float]:
        """How much more (or less) a market likes each SKU than its popularity says: fixed, a market's character."""
        key = ("taste", market_id)
        if key not in self._memo:
            self._memo[key] = {sku.sku_id: rng(self.spec.seed, "taste", market_id, sku.sku_id).lognormvariate(0, 0.6)
                               for sku in self.skus}
        return self._memo[key]

    @cached_property
    def skus(self) -> list[Sku]:
        skus, names = [], set()
        # Every template appears at least once (peppermint vodka must exist in any world), then at random.
        plan = list(range(len(TEMPLATES))) + [rng(self.spec.seed, "sku-template", i).randrange(len(TEMPLATES))
                                              for i in range(len(TEMPLATES), self.spec.skus)]
        for index, template_index in enumerate(plan[: self.spec.skus], start=1):
            category, is_liquor, volumes, (low, high), brands, products, season = TEMPLATES[template_index]
            r = rng(self.spec.seed, "sku", index)
            brand = r.choice(brands)
            product = r.choice(products).format(n=index)
            volume = r.choice(volumes)
            name = f"{brand} {product} {volume}ml"
            name = name if name not in names else f"{brand} {product} No. {index} {volume}ml"
            names.add(name)
            skus.append(Sku(
                sku_id=f"K{index:05d}",
                name=name,
                brand=brand,
                category=category,
                is_liquor=is_liquor,
                volume_ml=volume,
                season_start_month=season[0] if season else None,
                season_end_month=season[1] if season else None,
                price=round(r.uniform(low, high), 2),
                popularity=CATEGORY_WEIGHT.get(category, 1.0) * r.paretovariate(1.5),
            ))
        return skus

    def market_ids(self) -> list[str]:
        return sorted({store.market_id for store in self.stores})
