"""The day claim's decisions, on a fake ledger: wait for a live holder, take over from a dead one."""

from __future__ import annotations

import pytest

from top_items import claims
from top_items.claims import Claim, ClaimTimeout, claim


class FakeLedger:
    """Stands in for ops.day_claims: one holder per feed date, as the primary key makes it."""

    def __init__(self, holder: Claim | None = None):
        self.holder = holder
        self.released: list[Claim] = []


@pytest.fixture
def ledger(monkeypatch):
    found = FakeLedger()

    def take(conn, wanted):
        found.holder = found.holder or wanted
        return found.holder

    def release(conn, feed_date, run_id):
        if found.holder and (found.holder.feed_date, found.holder.run_id) == (feed_date, run_id):
            found.released.append(found.holder)
            found.holder = None
            return True
        return False

    monkeypatch.setattr(claims, "_take", take)
    monkeypatch.setattr(claims, "release", release)
    monkeypatch.setattr(claims.time, "sleep", lambda seconds: None)
    return found


MINE = Claim("2026-11-25", "top_items_pipeline", "manual__1")
THEIRS = Claim("2026-11-25", "top_items_pipeline", "scheduled__1")


class TestClaim:
    def test_a_free_day_is_taken_at_once(self, ledger):
        assert claim(None, MINE, run_state=lambda *_: pytest.fail("nobody to ask")) == pytest.approx(0, abs=1)
        assert ledger.holder == MINE

    def test_a_retry_of_the_holder_keeps_its_claim(self, ledger):
        ledger.holder = MINE
        claim(None, MINE, run_state=lambda *_: pytest.fail("the holder is us"))
        assert ledger.holder == MINE and not ledger.released

    def test_a_live_holder_is_waited_for_until_it_finishes(self, ledger):
        ledger.holder = THEIRS
        asked = []

        def run_state(dag_id, run_id):
            asked.append(run_id)
            if len(asked) == 3:  # the other run finishes and gives the day back
                ledger.holder = None
            return "running"

        claim(None, MINE, run_state=run_state)

        assert asked == ["scheduled__1"] * 3 and ledger.holder == MINE and not ledger.released

    @pytest.mark.parametrize("state", ["failed", "success", None], ids=["failed", "finished", "deleted"])
    def test_a_holder_that_no_longer_runs_is_taken_over(self, ledger, state):
        ledger.holder = THEIRS

        claim(None, MINE, run_state=lambda *_: state)

        assert ledger.released == [THEIRS] and ledger.holder == MINE

    def test_waiting_has_a_limit(self, ledger):
        ledger.holder = THEIRS
        with pytest.raises(ClaimTimeout, match="still held by run scheduled__1"):
            claim(None, MINE, run_state=lambda *_: "running", timeout_seconds=-1)
