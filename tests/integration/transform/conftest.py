"""A tiny hand-made marketplace on an empty warehouse."""

from __future__ import annotations

import pytest

from tests.support.marketplace import Marketplace


@pytest.fixture
def market(warehouse) -> Marketplace:
    return Marketplace(warehouse)
