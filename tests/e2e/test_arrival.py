"""A day arrives under the real scheduler, dag-processor and triggerer, with no clock but the cutoff's.

The reference sync and nine of ten stores land; the day is not complete, so nothing runs. The landing clock's tick
at the cutoff finds enough stores and announces the day: the pipeline runs it on its partition, and the summary
names the missing store. The straggler's file then lands within the late window: the day runs again and the
straggler gets its list in all three destinations, while the others' records are left as they were.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from sandbox.simulate.catalog import Catalog, WorldSpec
from sandbox.simulate.files import day_files
from tests.support.airflow_services import running
from tests.support.landing import put
from top_items import rules, settings
from top_items.landing import clock, days

pytestmark = pytest.mark.timeout(1500)

PIPELINE, LANDING, CLOCK = settings.PIPELINE_DAG_ID, settings.LANDING_DAG_ID, settings.LANDING_CLOCK_DAG_ID
SPEC = WorldSpec(stores=10, skus=60, days=90)
D = "2026-11-25"
CUTOFF = days.day_end(D) + timedelta(hours=rules.variables()["landing_cutoff_hours"])
LEAD_SECONDS = 40  # the landing side's clock reads this long before D's cutoff when the day starts to land


@pytest.fixture
def services(world, warehouse, s3, destinations, tmp_path):
    with running(world, tmp_path / "airflow", (PIPELINE, LANDING, CLOCK), parallelism=4,
                 triggerer=True) as started:
        yield started


def test_a_day_runs_at_its_cutoff_and_again_for_its_straggler(services, warehouse, s3, destinations):
    services.airflow("variables", "set", settings.LANDING_CLOCK_VARIABLE,
                     clock.setting(CUTOFF - timedelta(seconds=LEAD_SECONDS)))
    cutoff_passes = time.monotonic() + LEAD_SECONDS
    files = list(day_files(Catalog(SPEC), date.fromisoformat(D)))
    straggler_key = next(key for key, _ in files if key.startswith(settings.FEED_PREFIX + "/"))
    straggler = settings.feed_store_id(D, straggler_key)
    for key, body in files:
        if key != straggler_key:
            put(s3, key, body)
    recorded = "select count(*) from ops.landings where day = %s"
    services.until(lambda: warehouse.execute(recorded, (D,)).fetchone()[0] == len(files) - 1, 300,
                   "the landings were not recorded")
    services.wait_for_runs(LANDING, 1, timeout=300)
    assert services.runs(PIPELINE) == []  # nine of ten stores: not complete, and the cutoff has not passed

    time.sleep(max(0.0, cutoff_passes - time.monotonic()) + 1)
    services.airflow("dags", "trigger", CLOCK)  # the cron's tick at the cutoff, brought forward
    [run] = services.wait_for_runs(PIPELINE, 1, timeout=900)  # at the cutoff
    assert (run.partition_key, run.state) == (D, "success")
    first = destinations.lists()
    assert straggler not in first["retailer_app"] and straggler not in first["crm"]
    assert first["retailer_app"]  # the nine stores that landed have their lists
    summary = warehouse.execute("select count(*) from marts.fct_store_feed_coverage where feed_date = %s and not "
                                "has_valid_feed and store_id = %s", (D, straggler)).fetchone()[0]
    assert summary == 1  # the run's summary names it among the stores without a feed

    put(s3, straggler_key, dict(files)[straggler_key])  # the straggler, within the late window
    runs = services.wait_for_runs(PIPELINE, 2, timeout=900)  # for the straggler
    assert [(run.partition_key, run.state) for run in runs] == [(D, "success"), (D, "success")]
    second = destinations.lists()
    for consumer in ("retailer_app", "salesforce", "crm"):
        assert straggler in second[consumer], consumer
        assert {store: items for store, items in second[consumer].items() if store != straggler} == \
            first[consumer], consumer  # the other stores' lists are as they were
    assert warehouse.execute("select event from ops.day_announcements where day = %s order by announced_at",
                             (D,)).fetchall() == [("ready",), ("rerun",)]
