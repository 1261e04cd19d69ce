"""Runs of one consumer never push at once: the second waits on the consumer's advisory lock (not a retry)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.activation import D1, D2, crm_day, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export
from top_items.activation import ledger
from top_items.activation.engine import sync_consumer
from top_items.connections import warehouse_connection

pytestmark = pytest.mark.timeout(120)


def in_background(name: str, feed_date: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        with warehouse_connection() as conn:
            outcome["run"] = sync_consumer(conn, name, feed_date, run_id=f"bg-{feed_date}")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def waiting_on_advisory_locks(conn) -> int:
    return conn.execute("select count(*) from pg_locks where locktype = 'advisory' and not granted").fetchone()[0]


class TestConsumerLock:
    def test_a_run_waits_for_the_run_that_holds_its_consumer(self, exports, sf_ctl):
        load(exports, "salesforce", D1, sf_day(D1))
        with warehouse_connection() as other, ledger.consumer_lock(other, "salesforce"):
            thread, outcome = in_background("salesforce", D1)
            time.sleep(1.5)
            assert thread.is_alive() and sf_ctl.writes() == [] and waiting_on_advisory_locks(exports) == 1
            assert sync_runs(exports, "salesforce") == []  # it has not even opened its row
        thread.join(60)
        assert outcome["run"].outcome == "success"
        assert_destination_equals_export(exports, "salesforce", D1)

    def test_runs_of_different_days_take_turns_and_the_later_one_sees_the_earlier(self, exports, sf_ctl):
        load(exports, "salesforce", D1, sf_day(D1))
        load(exports, "salesforce", D2, sf_day(D2, rename={"S001:K001"}))
        with warehouse_connection() as other, ledger.consumer_lock(other, "salesforce"):
            first, one = in_background("salesforce", D1)
            time.sleep(0.5)
            second, two = in_background("salesforce", D2)
            time.sleep(1.0)
            assert waiting_on_advisory_locks(exports) == 2
        first.join(60)
        second.join(60)
        runs = sorted((one["run"], two["run"]), key=lambda r: r.sync_run_id)
        assert [r.outcome for r in runs] == ["success", "success"]
        # whichever went second planned against what the first had recorded: no add twice
        assert sum(r.planned["add"] for r in runs) == 30
        assert_destination_equals_export(exports, "salesforce", D2 if runs[1].feed_date == D2 else D1)

    def test_another_consumer_does_not_wait(self, exports, crm_ctl):
        load(exports, "crm", D1, crm_day(D1))
        with warehouse_connection() as other, ledger.consumer_lock(other, "salesforce"):
            assert sync_consumer(exports, "crm", D1, run_id="r1").outcome == "success"
