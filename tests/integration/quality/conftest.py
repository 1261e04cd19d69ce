"""A warehouse with the quality layer's ops tables, and a small marketplace on it."""

from __future__ import annotations

import pytest

from tests.support.marketplace import Marketplace
from tests.support.quality import PREVIOUS


@pytest.fixture
def dq(warehouse):
    from top_items import sqlfiles

    sqlfiles.run(warehouse, "ops/quality.sql")
    return warehouse


@pytest.fixture
def market(dq) -> Marketplace:
    return Marketplace(dq, snapshot=PREVIOUS)  # fresh for both days good_world builds
