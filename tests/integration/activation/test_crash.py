"""Kill a push at the start, the middle and the end of a first and of a later sync; the re-run converges.

Two ways to die: an exception from the engine's hook (in process: the run is closed as failed), and a real
``kill -9`` of a child process (nothing is closed: the row stays ``running`` until the next run abandons it).
The middle is the worst moment: the destination has accepted batch 3 and the ledger has not recorded it. Each
re-run must converge with no duplicate, no orphan, and no volume guard override.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

import pytest

from tests.support.activation import D1, D2, crm_day, destination_for, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export, holding
from tests.support.paths import REPO
from top_items.activation.engine import sync_consumer

pytestmark = pytest.mark.timeout(300)

BATCH_SIZE = 7  # 30 records: 5 upsert batches, and a remove batch on the later day
POINTS = {"start": ("planned", 0), "middle": ("sent", 3), "end": ("pushed", 99)}
CHANGED = {"salesforce": dict(rename={"S001:K001", "S002:K002", "S003:K003"},
                              drop={"S004:K004", "S005:K005", "S001:K006"},
                              extra=[("S001", "K090"), ("S002", "K091"), ("S003", "K092")]),
           "crm": dict(rename={"S001", "S002", "S003"}, drop={"S004", "S005", "S006"}, extra=["S090", "S091", "S092"])}


class Killed(Exception):
    pass


def day(name: str, feed_date: str, later: bool) -> list[dict]:
    changes = CHANGED[name] if later else {}
    return sf_day(feed_date, **changes) if name == "salesforce" else crm_day(feed_date, stores=30, **changes)


def prepare(conn, name: str, later: bool, point: str) -> tuple[str, str, int]:
    """Load the day the push will be killed on (after a good first day, for a later sync); returns it, and the
    step and batch the push is killed at."""
    if later:
        load(conn, name, D1, day(name, D1, False))
        assert sync_consumer(conn, name, D1, run_id="good-day").outcome == "success"
    feed_date = D2 if later else D1
    load(conn, name, feed_date, day(name, feed_date, later))
    return feed_date, *POINTS[point]


def converge(conn, name: str, feed_date: str, killed_outcome: str, label: str) -> None:
    """The re-run, without an override, brings the destination to the export and closes the killed run."""
    held_before = len(holding(name))
    ledger_before = conn.execute("select count(*) from ops.sync_state where consumer = %s and status = 'synced'",
                                 (name,)).fetchone()[0]
    rerun = sync_consumer(conn, name, feed_date, run_id="rerun",
                          destination=destination_for(name, batch_size=BATCH_SIZE))
    assert rerun.outcome == "success", rerun.detail
    assert "override" not in (rerun.detail or "")
    assert_destination_equals_export(conn, name, feed_date)  # no duplicate, no orphan, nothing missing
    runs = sync_runs(conn, name)
    assert [r["outcome"] for r in runs[-2:]] == [killed_outcome, "success"]
    held = len(holding(name))
    state = conn.execute("select count(*) from ops.sync_state where consumer = %s and status = 'synced'",
                         (name,)).fetchone()[0]
    assert held == state == runs[-1]["held_after"]
    print(f"\n[crash] {label}: after the kill {name} held {held_before}, the ledger {ledger_before}; re-run pushed "
          f"{rerun.records_pushed}; then {name} holds {held}, export {rerun.plan.rows}, ledger {state}; "
          f"killed run {killed_outcome}")


CASES = [(name, later, point) for name in ("salesforce", "crm") for later in (False, True) for point in POINTS]
IDS = [f"{name}-{'later' if later else 'first'}-{point}" for name, later, point in CASES]


class TestKilledInProcess:
    @pytest.mark.parametrize(("name", "later", "point"), CASES, ids=IDS)
    def test_converges(self, exports, sf_ctl, crm_ctl, name, later, point):
        conn = exports
        feed_date, step, batch = prepare(conn, name, later, point)

        def hook(at: str, done: int, total: int) -> None:
            if at == step and done >= min(batch, total):
                raise Killed(f"{at} {done}/{total}")

        with pytest.raises(Killed):
            sync_consumer(conn, name, feed_date, run_id="killed", hook=hook,
                          destination=destination_for(name, batch_size=BATCH_SIZE))
        converge(conn, name, feed_date, "failed", f"in process, {name}, {'later' if later else 'first'} sync, "
                                                  f"{point}")


class TestKilledWithSigkill:
    @pytest.mark.parametrize(("name", "later", "point"), CASES, ids=IDS)
    def test_converges(self, exports, sf_ctl, crm_ctl, name, later, point):
        conn = exports
        feed_date, step, batch = prepare(conn, name, later, point)
        signals, their_end = os.pipe()
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.activation.crash_child", name, feed_date, step, str(batch),
             str(BATCH_SIZE), str(their_end)], cwd=REPO, pass_fds=(their_end,), stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "plugins"), str(REPO)])})
        os.close(their_end)
        try:
            ready, _, _ = select.select([signals], [], [], 120)
            line = os.read(signals, 200).decode() if ready else ""
            assert line.startswith(f"at {step}"), f"the child never reached {step}: {line!r}"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            os.close(signals)
            child.kill()
            child.wait(30)
        assert child.returncode == -signal.SIGKILL
        assert sync_runs(conn, name)[-1]["outcome"] == "running"  # nothing closed it
        converge(conn, name, feed_date, "abandoned", f"kill -9, {name}, {'later' if later else 'first'} sync, "
                                                     f"{point}")
