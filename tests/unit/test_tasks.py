"""The feed date a run processes: the feed_date param, else the run's logical date, else a clear failure."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from airflow.sdk.exceptions import AirflowFailException

from top_items.tasks import resolve_feed_date

LOGICAL_DATE = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("requested", "logical_date", "expected"), [
    ("2026-11-05", LOGICAL_DATE, "2026-11-05"),  # the param wins over the logical date
    ("2026-11-05", None, "2026-11-05"),  # asset-triggered run with the param given
    ("20261105", None, "2026-11-05"),  # normalised to YYYY-MM-DD
    (date(2026, 11, 5), None, "2026-11-05"),
    (None, LOGICAL_DATE, "2026-12-01"),
    ("", LOGICAL_DATE, "2026-12-01"),  # an empty form field means "not given"
    (None, datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc), "2026-12-01"),
])
def test_resolve_feed_date(requested, logical_date, expected):
    assert resolve_feed_date(requested, logical_date) == expected


def test_a_run_the_landing_side_started_has_its_day_as_partition_key():
    assert resolve_feed_date(None, None, "2026-11-25") == "2026-11-25"
    assert resolve_feed_date("2026-11-05", None, "2026-11-25") == "2026-11-05"  # the param still wins
    assert resolve_feed_date(None, LOGICAL_DATE, "2026-11-25") == "2026-11-25"


def test_no_param_and_no_logical_date_fails_and_says_to_pass_feed_date():
    with pytest.raises(AirflowFailException, match="feed_date"):
        resolve_feed_date(None, None)


@pytest.mark.parametrize("requested", ["2026-13-01", "2026-02-30", "yesterday", "2026-12-01T00:00:00"])
def test_a_malformed_feed_date_param_is_refused(requested):
    with pytest.raises(ValueError):
        resolve_feed_date(requested, LOGICAL_DATE)


class TestDagRunState:
    def test_the_sdk_enum_is_read_as_its_value(self):
        from airflow.sdk.api.datamodels._generated import DagRunState

        from top_items.tasks import dag_run_state

        class TaskInstance:
            @staticmethod
            def get_dagrun_state(dag_id, run_id):
                return DagRunState.RUNNING

        assert dag_run_state(TaskInstance())("top_items_pipeline", "r1") == "running"

    def test_a_run_that_cannot_be_found_is_none(self):
        from top_items.tasks import dag_run_state

        class TaskInstance:
            @staticmethod
            def get_dagrun_state(dag_id, run_id):
                raise LookupError(run_id)

        assert dag_run_state(TaskInstance())("top_items_pipeline", "gone") is None
