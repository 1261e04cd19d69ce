"""Every destination read back through the clients its consumer would use, after a good day when a story needs
one."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.simulate.publish import write_day
from tests.support.dags import close_incidents, run_dag
from tests.support.destinations import Destinations
from tests.support.failure_stories import BAD_DAY, GOOD_DAY, SPEC


@pytest.fixture
def destinations(world, s3, airflow_db) -> Destinations:
    found = Destinations.of(world)
    found.reset()
    close_incidents()
    return found


@pytest.fixture
def after_a_good_day(warehouse, s3, destinations, airflow_db):
    """The destinations after a good day, as each consumer reads them; the bad day's files are written too."""
    write_day(s3, SPEC, date.fromisoformat(GOOD_DAY))
    assert run_dag("top_items_pipeline", GOOD_DAY).state == "success"
    before = destinations.snapshot()
    assert before["salesforce"] and before["crm"] and destinations.latest()["feed_date"] == GOOD_DAY
    assert destinations.alerts() == []
    write_day(s3, SPEC, date.fromisoformat(BAD_DAY))
    return before
