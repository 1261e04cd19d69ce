"""Recovery converges without a person: after a rejected, failed or blocked push, the next run (once the cause is
gone) brings the destination to the export with no override, because the guard weighs the plan against what the
destination holds as the ledger records it. A genuine jump after a failed run is still blocked."""

from __future__ import annotations

import pytest

from sandbox.mocks.control import MockControl
from tests.support.activation import D1, D2, D3, crm_day, load, sf_day, sync_runs
from tests.support.destinations import assert_destination_equals_export, holding
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import TooManyRejected, VolumeGuardBlocked

pytestmark = pytest.mark.timeout(180)

SF_KEYS = [f"S{s:03d}:K{k:03d}" for s in range(1, 6) for k in range(1, 7)]
CRM_KEYS = [f"S{s:03d}" for s in range(1, 13)]
# an admin's validation rule: every record of the day is refused, whatever the call carries it
REJECT_ALL = {
    "salesforce": dict(keys=SF_KEYS, error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
                       message="Market rank must be reviewed"),
    "crm": dict(keys=CRM_KEYS, message="top_items_you_dont_carry failed a validation rule"),
}


def lift_faults(ctl: MockControl) -> None:
    """The admin lifts the rule: the mock's faults go, the records it holds stay (a reset would wipe them)."""
    ctl.http.delete(f"{ctl.url}/__mock/faults", timeout=10).raise_for_status()


def day(name: str, feed_date: str, **changes) -> list[dict]:
    return sf_day(feed_date, **changes) if name == "salesforce" else crm_day(feed_date, **changes)


CHANGED = {"salesforce": dict(rename={"S001:K001", "S002:K002"}), "crm": dict(rename={"S001", "S002"})}
# the churn of those changes alone: two records; two lists that gain one item of their five
CHURN = {"salesforce": 2, "crm": pytest.approx(0.4)}


@pytest.fixture
def ctl(sf_ctl, crm_ctl):
    return {"salesforce": sf_ctl, "crm": crm_ctl}


def rejected_day(conn, ctl, name: str) -> None:
    """A good first day, then a day (a few records changed, the rest restamped) the destination refuses whole."""
    load(conn, name, D1, day(name, D1))
    assert sync_consumer(conn, name, D1, run_id="good").outcome == "success"
    load(conn, name, D2, day(name, D2, **CHANGED[name]))
    ctl[name].fault(kind="reject_records", **REJECT_ALL[name])
    with pytest.raises(TooManyRejected):
        sync_consumer(conn, name, D2, run_id="rejected")
    assert sync_runs(conn, name)[-1]["outcome"] == "failed"
    lift_faults(ctl[name])


@pytest.mark.parametrize("name", ["salesforce", "crm"])
@pytest.mark.parametrize("next_day", [D2, D3], ids=["rerun", "next_day"])
def test_after_every_record_was_rejected_the_next_run_converges_without_an_override(exports, ctl, name, next_day):
    conn = exports
    rejected_day(conn, ctl, name)
    if next_day == D3:
        load(conn, name, D3, day(name, D3, **CHANGED[name]))

    run = sync_consumer(conn, name, next_day, run_id="recovered")

    assert run.outcome == "success", run.detail
    assert "override" not in (run.detail or "")
    assert run.plan.retries == len(REJECT_ALL[name]["keys"]) and run.plan.churn == CHURN[name]  # the changes only
    assert sync_runs(conn, name)[-1]["baseline"] == len(REJECT_ALL[name]["keys"])  # what the destination holds
    assert_destination_equals_export(conn, name, next_day)
    assert conn.execute("select count(*) from ops.sync_state where status = 'failed'").fetchone()[0] == 0


@pytest.mark.parametrize("name", ["salesforce", "crm"])
def test_a_huge_jump_after_a_rejected_day_is_still_blocked(exports, ctl, name):
    conn = exports
    rejected_day(conn, ctl, name)
    load(conn, name, D3, day(name, D3, stores=50))  # a misfiring model: ten times the stores
    writes = len(ctl[name].writes())
    with pytest.raises(VolumeGuardBlocked, match=r"(10\.00x the 30|4\.17x the 12) held"):
        sync_consumer(conn, name, D3, run_id="jump")
    assert len(ctl[name].writes()) == writes
    assert_destination_equals_export(conn, name, D1)  # the destination keeps the good day


def test_after_a_blocked_push_a_normal_day_is_weighed_against_what_the_destination_holds(exports, sf_ctl):
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    assert sync_consumer(conn, "salesforce", D1, run_id="good").outcome == "success"
    load(conn, "salesforce", D2, sf_day(D2, stores=50))
    with pytest.raises(VolumeGuardBlocked):
        sync_consumer(conn, "salesforce", D2, run_id="blocked")
    # the next day replaces a third of the records: weighed against the 30 held, not the blocked 300-row plan
    load(conn, "salesforce", D3, sf_day(D3, rename={f"S{s:03d}:K00{k}" for s in range(1, 6) for k in (1, 2)}))

    run = sync_consumer(conn, "salesforce", D3, run_id="normal")

    assert run.outcome == "success" and run.plan.churn == 10
    assert sync_runs(conn, "salesforce")[-1]["baseline"] == 30 == len(holding("salesforce"))
    assert_destination_equals_export(conn, "salesforce", D3)


def test_a_failed_push_that_partly_landed_is_weighed_against_what_landed(exports, sf_ctl):
    """The new store's records landed, the rest were refused: the destination holds 36, not the 30 of the last
    successful sync, and the next day's churn is a share of the 36."""
    conn = exports
    load(conn, "salesforce", D1, sf_day(D1))
    assert sync_consumer(conn, "salesforce", D1, run_id="good").outcome == "success"
    load(conn, "salesforce", D2, sf_day(D2, stores=8))
    sf_ctl.fault(kind="reject_records", **REJECT_ALL["salesforce"])  # the 30 old records, not the 18 new
    with pytest.raises(TooManyRejected, match="30 of 48 rows rejected"):
        sync_consumer(conn, "salesforce", D2, run_id="partly")
    lift_faults(sf_ctl)
    assert len(holding("salesforce")) == 48
    # 30 of 48 records move: 0.62x of what the destination holds, 1.00x of the last successful sync's 30
    load(conn, "salesforce", D3, sf_day(D3, stores=8, rename=set(SF_KEYS)))

    run = sync_consumer(conn, "salesforce", D3, run_id="recovered")

    assert run.outcome == "success", run.detail
    assert sync_runs(conn, "salesforce")[-1]["baseline"] == 48
    assert_destination_equals_export(conn, "salesforce", D3)
