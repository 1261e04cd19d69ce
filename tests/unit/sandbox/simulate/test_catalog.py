"""The simulated marketplace: spec validation, the SKUs every business rule needs, and seasons that wrap the year."""

from __future__ import annotations

import pytest

from sandbox.simulate.catalog import Catalog, Sku, WorldSpec

NOVEMBER_TO_JANUARY = Sku(sku_id="K1", name="Peppermint", brand="B", category="seasonal", is_liquor=True,
                          volume_ml=750, season_start_month=11, season_end_month=1, price=20.0, popularity=1.0)
MAY_TO_AUGUST = Sku(sku_id="K2", name="Rosé", brand="B", category="seasonal", is_liquor=False, volume_ml=750,
                    season_start_month=5, season_end_month=8, price=15.0, popularity=1.0)
ALL_YEAR = Sku(sku_id="K3", name="Lager", brand="B", category="beer", is_liquor=False, volume_ml=355,
               season_start_month=None, season_end_month=None, price=10.0, popularity=1.0)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(WorldSpec())


@pytest.mark.parametrize("knobs", [
    {"markets": 0},
    {"markets": 4, "stores": 3},
    {"skus": 19},
    {"days": 0},
    {"bad_row_rate": -0.1},
    {"bad_row_rate": 1.5},
    {"missing_feeds": -1},
    {"stores": 5, "missing_feeds": 6},
    {"promotions_per_market_week": -1},
    {"store_closures_per_year": -0.01},
    {"store_closures_per_year": 1.5},
    {"store_openings_per_year": -0.01},
    {"store_openings_per_year": 11},
])
def test_world_spec_rejects_impossible_worlds(knobs):
    with pytest.raises(ValueError):
        WorldSpec(**knobs)


@pytest.mark.parametrize("knobs", [{}, {"markets": 1, "stores": 1, "skus": 20, "days": 1},
                                   {"bad_row_rate": 1.0, "missing_feeds": 40},
                                   {"promotions_per_market_week": 0, "store_closures_per_year": 0,
                                    "store_openings_per_year": 0},
                                   {"store_closures_per_year": 1, "store_openings_per_year": 10}])
def test_world_spec_accepts_the_edges_of_the_valid_range(knobs):
    WorldSpec(**knobs)


@pytest.mark.parametrize(("sku", "months_in"), [
    (NOVEMBER_TO_JANUARY, {11, 12, 1}),
    (MAY_TO_AUGUST, {5, 6, 7, 8}),
    (ALL_YEAR, set(range(1, 13))),
])
def test_in_season_handles_seasons_that_wrap_the_year(sku, months_in):
    assert {month for month in range(1, 13) if sku.in_season(month)} == months_in


def test_catalog_has_50ml_nips(catalog):
    # The CRM rule (no SKU at or below 50 ml) has nothing to do unless nips exist.
    assert any(sku.volume_ml == 50 and sku.category == "nips" for sku in catalog.skus)


def test_catalog_has_a_peppermint_vodka_in_season_november_to_january(catalog):
    peppermint = [sku for sku in catalog.skus if "Peppermint Vodka" in sku.name]
    assert peppermint
    assert {(sku.season_start_month, sku.season_end_month, sku.is_liquor) for sku in peppermint} == {(11, 1, True)}


def test_catalog_has_both_licence_types(catalog):
    assert {store.license_type for store in catalog.stores} == {"beer_wine", "full_liquor"}


def test_every_template_appears_even_in_the_smallest_world():
    smallest = Catalog(WorldSpec(markets=1, stores=1, skus=20))
    assert any(sku.volume_ml <= 50 for sku in smallest.skus)
    assert any(sku.season_start_month == 11 and sku.season_end_month == 1 for sku in smallest.skus)


def test_a_store_does_not_depend_on_how_many_stores_exist():
    few, many = Catalog(WorldSpec(stores=5)), Catalog(WorldSpec(stores=50))
    assert many.stores[:5] == few.stores


def test_sku_names_are_unique(catalog):
    names = [sku.name for sku in catalog.skus]
    assert len(set(names)) == len(names)
