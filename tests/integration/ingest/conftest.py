"""The reference snapshot the loaders check every row against, loaded into an empty warehouse."""

from __future__ import annotations

import pytest

from tests.support.landing import REFERENCE_DAY, D, put_reference
from top_items.ingest.reference import load_reference_snapshots


@pytest.fixture
def loaded_reference(warehouse, s3):
    put_reference(s3, REFERENCE_DAY)
    load_reference_snapshots(warehouse, s3, D, run_id="test")
    return warehouse
