"""The question a blocked push asks its owner, and how an answer, or none, becomes a decision."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from airflow.dag_processing.dagbag import DagBag

from tests.support.paths import REPO
from top_items.activation.approval import RESPONSE_TIMEOUT, TEST_RUN_USER, is_test_run
from top_items.activation.errors import DecisionRefused
from top_items.registry import owner_user


@pytest.fixture(scope="module")
def decide():
    return DagBag(dag_folder=str(REPO / "dags")).dags["top_items_pipeline"].get_task("decide_push_salesforce")


def answer(option: str, user: str | None, reason, *, timedout: bool = False) -> dict:
    return {"chosen_options": [option], "params_input": {"reason": reason}, "responded_at": datetime.now(UTC),
            "responded_by_user": user and {"id": user, "name": user}, "timedout": timedout}


def test_the_form_asks_for_a_reason_only(decide):
    assert set(decide.serialized_params) == {"reason"}  # not the DAG's feed_date, dry_run ...
    assert decide.serialized_params["reason"]["schema"] == {"type": "string", "title": "Why (required)"}


def test_an_approval_and_a_reject_say_who_and_why(decide):
    user = owner_user("salesforce")
    assert decide.execute_complete({}, answer("Approve", user, "a new market")) == {
        "decision": "approve", "by": user, "reason": "a new market"}
    assert decide.execute_complete({}, answer("Reject", user, " not today ")) == {
        "decision": "reject", "by": user, "reason": "not today"}


def test_an_answer_without_a_reason_is_refused(decide):
    with pytest.raises(DecisionRefused):
        decide.execute_complete({}, {**answer("Approve", "sales-ops", None), "params_input": {}})
    with pytest.raises(DecisionRefused):
        decide.execute_complete({}, answer("Reject", "sales-ops", "  "))


def test_no_answer_in_time_is_a_reject_by_nobody(decide):
    # the scheduler's sweep takes the defaults (Reject) for nobody, with the reason param empty
    assert decide.defaults == ["Reject"] and decide.response_timeout == RESPONSE_TIMEOUT
    assert decide.execute_complete({}, answer("Reject", None, None, timedout=True)) == {
        "decision": "timeout", "by": None, "reason": f"no decision within {RESPONSE_TIMEOUT}"}


def test_a_run_dag_test_started_is_a_test_run():
    assert is_test_run({"dag_run": SimpleNamespace(triggering_user_name=TEST_RUN_USER)})
    assert not is_test_run({"dag_run": SimpleNamespace(triggering_user_name="admin")})
