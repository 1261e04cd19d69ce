"""The day's claim on real Postgres: one run per day, earlier days load first, a dead holder is taken over."""

from __future__ import annotations

import pytest

from top_items.claims import Claim, poke, raw_phase_done, release

DAG = "top_items_pipeline"
MINE = Claim("2026-11-25", DAG, "manual__1")
THEIRS = Claim("2026-11-25", DAG, "scheduled__1")
EARLIER = Claim("2026-11-24", DAG, "backfill__24")


def states(**by_run):
    return lambda dag_id, run_id: by_run.get(run_id)


def no_runs(days):
    return 0


class TestOneRunPerDay:
    def test_a_free_day_is_taken_and_a_retry_of_the_holder_keeps_it(self, warehouse):
        assert poke(warehouse, MINE, run_state=states(), active_runs=no_runs) is None
        assert poke(warehouse, MINE, run_state=states(), active_runs=no_runs) is None
        assert warehouse.execute("select run_id from ops.day_claims").fetchall() == [("manual__1",)]

    def test_a_second_run_of_a_running_day_waits_until_it_is_released(self, warehouse):
        assert poke(warehouse, THEIRS, run_state=states(), active_runs=no_runs) is None

        waiting = poke(warehouse, MINE, run_state=states(scheduled__1="running"), active_runs=no_runs)
        assert "held by run scheduled__1" in waiting

        release(warehouse, THEIRS.feed_date, THEIRS.run_id)
        assert poke(warehouse, MINE, run_state=states(), active_runs=no_runs) is None

    @pytest.mark.parametrize("state", ["failed", "success", None], ids=["failed", "finished", "deleted"])
    def test_a_holder_that_no_longer_runs_is_taken_over(self, warehouse, state):
        poke(warehouse, THEIRS, run_state=states(), active_runs=no_runs)

        assert poke(warehouse, MINE, run_state=states(scheduled__1=state), active_runs=no_runs) is None
        assert warehouse.execute("select run_id from ops.day_claims").fetchall() == [("manual__1",)]


class TestEarlierDaysLoadFirst:
    def test_a_day_waits_while_an_earlier_day_is_loading(self, warehouse):
        poke(warehouse, EARLIER, run_state=states(), active_runs=no_runs)

        waiting = poke(warehouse, MINE, run_state=states(backfill__24="running"), active_runs=no_runs)
        assert "2026-11-24 (backfill__24)" in waiting

        raw_phase_done(warehouse, EARLIER.feed_date, EARLIER.run_id)
        assert poke(warehouse, MINE, run_state=states(backfill__24="running"), active_runs=no_runs) is None

    def test_an_earlier_day_that_died_loading_blocks_nobody(self, warehouse):
        poke(warehouse, EARLIER, run_state=states(), active_runs=no_runs)

        assert poke(warehouse, MINE, run_state=states(backfill__24="failed"), active_runs=no_runs) is None

    def test_a_later_day_never_blocks_an_earlier_one(self, warehouse):
        poke(warehouse, MINE, run_state=states(), active_runs=no_runs)

        assert poke(warehouse, EARLIER, run_state=states(manual__1="running"), active_runs=no_runs) is None

    def test_runs_of_earlier_days_that_have_not_claimed_yet_are_waited_for_a_while(self, warehouse):
        asked = []

        def one_unclaimed_run(days):
            asked.append(days)
            return 1

        waiting = poke(warehouse, MINE, run_state=states(), active_runs=one_unclaimed_run)
        assert waiting == "runs of earlier days have not started loading yet"
        assert str(asked[0][0]) == "2026-11-24" and len(asked[0]) == 31

        warehouse.execute("update ops.day_claims set claimed_at = now() - interval '1 hour'")
        assert poke(warehouse, MINE, run_state=states(), active_runs=one_unclaimed_run) is None  # never forever
