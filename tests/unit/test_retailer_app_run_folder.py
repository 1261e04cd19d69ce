"""The retailer app's run folder id: a fresh folder per attempt, safe inside an S3 key.

(tests/unit/activation/ belongs to the activation tests; this covers only run_folder_id.)
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from top_items.activation.destinations.retailer_app import run_folder_id

KEY_SAFE = re.compile(r"^[A-Za-z0-9._-]+$")
RUN_LABELS = ["manual__2026-12-01T06:44:32.191364+00:00", "scheduled__2026-12-01T00:00:00+00:00",
              "backfill/2026 12 01?x=1&y=é", "plain"]


@pytest.mark.parametrize("run_label", RUN_LABELS)
def test_run_folder_id_is_key_safe(run_label):
    assert KEY_SAFE.match(run_folder_id(run_label))


@pytest.mark.parametrize(("run_label", "sanitized"), [
    ("manual__2026-12-01T06:44:32.191364+00:00", "manual__2026-12-01T06-44-32.191364-00-00"),
    ("backfill/2026 12 01?", "backfill-2026-12-01"),
    ("plain", "plain"),
])
def test_run_folder_id_contains_the_sanitized_run_label(run_label, sanitized):
    assert run_folder_id(run_label).endswith(f"_{sanitized}")


def test_run_folder_id_starts_with_its_utc_time_so_folders_sort_by_attempt():
    now = datetime(2026, 12, 1, 6, 5, 4, 321, tzinfo=timezone.utc)
    assert run_folder_id("plain", now=now) == "20261201T060504000321Z_plain"


def test_run_folder_id_is_unique_per_call():
    # A cleared task re-runs with the same Airflow run id: each attempt must still get its own folder.
    ids = [run_folder_id(RUN_LABELS[0]) for _ in range(200)]
    assert len(set(ids)) == len(ids)


def test_a_very_long_run_label_still_gives_a_bounded_unique_id():
    long_label = "x" * 500
    first, second = run_folder_id(long_label), run_folder_id(long_label)
    assert len(first) <= 200 and first != second
