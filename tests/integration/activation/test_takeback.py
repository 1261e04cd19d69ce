"""Take a bad day back: after a good day D and a bad day D+1 reached every consumer, one command publishes D again
through the diff sync, and every consumer holds exactly D's export again, read back through its own clients."""

from __future__ import annotations

import json

import pytest

from tests.support.activation import D1, D2, D3, crm_day, load, sf_day, sync_runs
from tests.support.destinations import Destinations, assert_destination_equals_export
from top_items import cli
from top_items.activation import decisions
from top_items.activation.engine import sync_consumer
from top_items.activation.errors import DecisionRefused
from top_items.activation.pause import set_paused
from top_items.activation.takeback import take_back
from top_items.registry import consumers

pytestmark = pytest.mark.timeout(180)

RENAMED, DROPPED, EXTRA = {"S001:K001", "S002:K003"}, {"S003:K002"}, [("S001", "K099")]


def app_day(feed_date: str, bad: bool = False) -> list[dict]:
    return [{"feed_date": feed_date, "store_id": s, "items": json.dumps(
        [{"sku_id": "K1", "name": "Gin" + ("?" if bad and s == "S2" else ""), "rank": 1}])}
        for s in ("S1", "S2", "S3", "S4", "S5", "S6")[:5 if bad else 6]]


DAYS = {
    "salesforce": (lambda d: sf_day(d), lambda d: sf_day(d, rename=RENAMED, drop=DROPPED, extra=EXTRA)),
    "crm": (lambda d: crm_day(d), lambda d: crm_day(d, rename={"S004"}, drop={"S007"}, extra=["S100"])),
    "retailer_app": (lambda d: app_day(d), lambda d: app_day(d, bad=True)),
}


def the_app_holds(conn, feed_date: str) -> None:
    """latest.json points at the day, and the files it names hold that day's export, record for record."""
    world = Destinations.from_environment()
    assert world.latest()["feed_date"] == feed_date
    want = {r["store_id"]: (feed_date, json.dumps(json.loads(r["items"]), sort_keys=True))
            for r in conn.execute("select store_id, feed_date::text, items::text from "
                                  f"{consumers()['retailer_app'].export} where feed_date = %s", (feed_date,))
            .fetchall() for r in [dict(zip(("store_id", "feed_date", "items"), r, strict=True))]}
    assert world.lists()["retailer_app"] == want


def every_consumer_holds(conn, feed_date: str) -> None:
    for name in ("salesforce", "crm"):
        assert_destination_equals_export(conn, name, feed_date)
    the_app_holds(conn, feed_date)


@pytest.fixture
def a_bad_day_everywhere(exports, sf_ctl, crm_ctl, s3):
    for name, (good, bad) in DAYS.items():
        load(exports, name, D1, good(D1))
        assert sync_consumer(exports, name, D1, run_id="good").outcome == "success"
        load(exports, name, D2, bad(D2))
        assert sync_consumer(exports, name, D2, run_id="bad").outcome == "success"
    for name in ("salesforce", "crm"):  # the bad day is there
        assert_destination_equals_export(exports, name, D2)
    the_app_holds(exports, D2)
    return exports


def test_take_back_publishes_the_last_good_day_again_to_every_consumer(a_bad_day_everywhere, sf_ctl, capsys):
    conn = a_bad_day_everywhere
    seen = len(sf_ctl.requests())

    assert cli.main(["take-back", "--all", "--by", "alice", "--reason", "D+1 ranked every store the same"]) == 0

    every_consumer_holds(conn, D1)
    out = capsys.readouterr().out
    assert f"salesforce     took {D2} back to {D1}: success" in out
    # the diff sync: back the two renamed, the one dropped added again, the extra removed, the rest restamped
    back = sync_runs(conn, "salesforce")[-1]
    assert (back["planned_adds"], back["planned_changes"], back["planned_removes"], back["planned_restamps"]) \
        == (1, 2, 1, 27)
    writes = [r for r in sf_ctl.requests()[seen:] if r["method"] in ("PATCH", "DELETE")]
    assert [(w["method"], w["records"]) for w in writes] == [("PATCH", 30), ("DELETE", 1)]
    assert back["detail"].startswith(f"take-back of {D2} to {D1} by alice: D+1 ranked every store the same")
    for name in consumers():
        [taken] = [d for d in decisions.recent(conn, name) if d.decision == "take_back"]
        assert (str(taken.feed_date), str(taken.restored_date), taken.decided_by) == (D2, D1, "alice")
        assert taken.sync_run_id == sync_runs(conn, name)[-1]["sync_run_id"]


def test_taking_back_twice_writes_nothing_the_second_time(a_bad_day_everywhere, sf_ctl):
    conn = a_bad_day_everywhere
    take_back("salesforce", by="alice", reason="bad ranks", conn=conn)
    seen = len(sf_ctl.writes())

    again = take_back("salesforce", by="bob", reason="to be sure", conn=conn)["salesforce"]

    assert (again["taken_back"], again["restored"], again["outcome"], again["records_pushed"]) == (D2, D1, "success", 0)
    assert len(sf_ctl.writes()) == seen
    assert_destination_equals_export(conn, "salesforce", D1)


def test_after_a_take_back_the_next_day_is_pushed_as_usual(a_bad_day_everywhere, sf_ctl):
    conn = a_bad_day_everywhere
    take_back("salesforce", by="alice", reason="bad ranks", conn=conn)
    load(conn, "salesforce", D3, sf_day(D3))

    nxt = sync_consumer(conn, "salesforce", D3, run_id="next")

    assert nxt.outcome == "success" and nxt.baseline == 30 and nxt.planned["restamp"] == 30  # weighed against D
    assert_destination_equals_export(conn, "salesforce", D3)
    # D3 is now the newest day: taking it back goes to D, never to the day taken back before
    assert take_back("salesforce", by="alice", reason="again", conn=conn)["salesforce"]["restored"] == D1


def test_a_paused_consumer_is_left_alone_and_the_others_are_taken_back(a_bad_day_everywhere):
    conn = a_bad_day_everywhere
    set_paused("crm", True, by="carol", reason="CRM migration", conn=conn)

    results = take_back(None, by="alice", reason="bad ranks", conn=conn)

    assert {name: r["outcome"] for name, r in results.items()} == {"retailer_app": "success", "salesforce": "success",
                                                                   "crm": "paused"}
    assert_destination_equals_export(conn, "crm", D2)
    assert_destination_equals_export(conn, "salesforce", D1)
    assert not [d for d in decisions.recent(conn, "crm") if d.decision == "take_back"]


def test_nothing_to_take_back_and_no_take_back_without_who_and_why(exports, sf_ctl):
    assert take_back("salesforce", by="alice", reason="x", conn=exports)["salesforce"]["outcome"] == "nothing"
    load(exports, "salesforce", D1, sf_day(D1))
    sync_consumer(exports, "salesforce", D1, run_id="only")
    found = take_back("salesforce", by="alice", reason="x", conn=exports)["salesforce"]
    assert found["outcome"] == "nothing" and "no good day older than" in found["detail"]
    with pytest.raises(DecisionRefused):
        take_back("salesforce", by="alice", reason="", conn=exports)
    assert cli.main(["take-back", "--consumer", "salesforce", "--by", "", "--reason", "x"]) == 2
