"""A person decides a blocked push, under Airflow's own api-server and scheduler: the run asks each blocked
consumer's owner and waits; somebody else is refused (403), from a script and from a browser signed in through
Airflow's login page; the owner's approval pushes the day, recorded with who and why; a reject leaves the consumer
with what it held. (No triggerer: since Airflow 3.3 a human-in-the-loop step
waits in ``awaiting_input`` and the api-server's answer resumes it.)

To make the ordinary next day a jump for two guards, the ledger of Salesforce and the CRM says they confirmed only a
fifth of their records: to the guard, the day then adds four times what the destination holds.
"""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from sandbox.world.airflow_services import AirflowServices
from tests.support.airflow_services import services as airflow_services
from tests.support.destinations import alert_emails, assert_destination_equals_export
from tests.support.failure_stories import BAD_DAY
from top_items import tasks
from top_items.activation import decisions
from top_items.registry import consumer, owner_user
from top_items.summary import format_summary, gather

pytestmark = pytest.mark.timeout(1500)

DAG = "top_items_pipeline"
BLOCKED = ("salesforce", "crm")
WAITING = "awaiting_input"
SETTLE_SECONDS = 15


def login(services: AirflowServices, user: str) -> requests.Session:
    password = json.loads((services.home / "simple_auth_manager_passwords.json.generated").read_text())[user]
    session = requests.Session()
    session.trust_env = False
    token = session.post(f"http://127.0.0.1:{services.port}/auth/token", timeout=30,
                         json={"username": user, "password": password}).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def answered_in_a_browser(services: AirflowServices, user: str, url: str, answer: dict) -> int | None:
    """The status of ``answer`` sent as ``user`` from a browser signed in through Airflow's login page, with the
    session the UI keeps (its cookie); None where no browser can run here."""
    from tests.support.browser import chromium_missing, launch, sign_in

    if chromium_missing():
        return None
    from playwright.sync_api import sync_playwright

    password = json.loads((services.home / "simple_auth_manager_passwords.json.generated").read_text())[user]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{services.port}/auth/login/")
            sign_in(page, user, password)
            page.wait_for_function("() => !location.pathname.startsWith('/auth/login')", timeout=60_000)
            return page.evaluate("""async ([url, answer]) => (await fetch(url, {method: 'PATCH',
                headers: {'Content-Type': 'application/json'}, body: JSON.stringify(answer)})).status""",
                                 [url, answer])
        finally:
            browser.close()


def forget_confirmations(warehouse, name: str) -> None:
    """The ledger keeps every key but says the destination confirmed only a fifth of them (as after a first sync
    that partly landed): the rest are adds again, five times what the guard's baseline says it holds."""
    warehouse.execute("update ops.sync_state set row_hash = null where consumer = %s and record_key not in (select "
                      "record_key from ops.sync_state where consumer = %s order by record_key limit (select count(*) "
                      "/ 5 from ops.sync_state where consumer = %s))", (name, name, name))


def states(services: AirflowServices, run_id: str) -> dict[str, str]:
    return {task: state for run, task, state, *_ in services.task_instances(DAG) if run == run_id}


def test_the_owner_decides_a_blocked_push_and_nobody_else_may(world, after_a_good_day, warehouse, destinations,
                                                               tmp_path):
    for name in BLOCKED:
        forget_confirmations(warehouse, name)
    services = airflow_services(world, tmp_path / "airflow", parallelism=4).start()
    try:
        services.wait_for_dag(DAG)
        admin, base = login(services, "admin"), f"http://127.0.0.1:{services.port}/api/v2/dags/{DAG}/dagRuns"
        triggered = admin.post(base, json={"logical_date": None, "conf": {"feed_date": BAD_DAY}}, timeout=30)
        assert triggered.status_code == 200, triggered.text
        run_id = triggered.json()["dag_run_id"]
        asked = {tasks.decide_task_id(name) for name in BLOCKED}
        services.until(lambda: all(states(services, run_id).get(t) == WAITING for t in asked), 900,
                       f"the blocked pushes did not ask their owners: {states(services, run_id)}")
        # A person takes longer than this: in Airflow 3.3.2 an answer that resumes the step before the scheduler
        # has heard its parked try end races that news, and the resumed try is retried (asking again).
        time.sleep(SETTLE_SECONDS)

        def detail(name: str) -> str:
            return f"{base}/{run_id}/taskInstances/{tasks.decide_task_id(name)}/-1/hitlDetails"

        question = admin.get(detail("salesforce"), timeout=30).json()
        assert [u["id"] for u in question["assigned_users"]] == [owner_user("salesforce")]
        assert "volume guard blocked the push" in question["body"] and question["params"]["reason"]
        answer = {"chosen_options": ["Approve"], "params_input": {"reason": "a new market opens today"}}
        for intruder in ("admin", owner_user("crm")):  # not the owner: refused, whatever their role
            refused = login(services, intruder).patch(detail("salesforce"), json=answer, timeout=30)
            assert refused.status_code == 403, refused.text
        assert answered_in_a_browser(services, owner_user("crm"), detail("salesforce"), answer) in (403, None)
        assert states(services, run_id)[tasks.decide_task_id("salesforce")] == WAITING  # still waiting
        approved = login(services, owner_user("salesforce")).patch(detail("salesforce"), json=answer, timeout=30)
        assert approved.status_code == 200, approved.text
        rejected = login(services, owner_user("crm")).patch(detail("crm"), timeout=30, json={
            "chosen_options": ["Reject"], "params_input": {"reason": "the email goes out today, not this"}})
        assert rejected.status_code == 200, rejected.text

        [run] = services.wait_for_runs(DAG, 1, timeout=600)
        final = states(services, run_id)
    except BaseException:
        print(services.logs())
        raise
    finally:
        services.stop()

    assert run.state == "failed"  # the CRM's day did not go out: its blocked push stays a failure of the run
    [summary_log] = (tmp_path / "airflow" / "logs").rglob("task_id=run_summary/attempt=1.log")
    stopped = re.search(r"run failed or was stopped at: ([a-z_, ]+)", summary_log.read_text())
    assert stopped and stopped.group(1) == "push_crm"  # not push_salesforce: its owner approved it
    assert (final["push_salesforce"], final["apply_decision_salesforce"]) == ("failed", "success")
    assert (final["push_crm"], final["apply_decision_crm"]) == ("failed", "success")
    assert final["decide_push_retailer_app"] == final["apply_decision_retailer_app"] == "skipped"
    assert_destination_equals_export(warehouse, "salesforce", BAD_DAY)  # approved: the day landed
    assert destinations.crm() == after_a_good_day["crm"]  # rejected: record for record what it held
    assert destinations.latest()["feed_date"] == BAD_DAY  # never blocked
    found = {d.consumer: d for d in decisions.of_run(warehouse, run_id)}
    assert (found["salesforce"].decision, found["salesforce"].decided_by) == ("approve", owner_user("salesforce"))
    assert (found["crm"].decision, found["crm"].decided_by) == ("reject", owner_user("crm"))
    detail_text = warehouse.execute("select detail from ops.sync_runs where sync_run_id = %s",
                                    (found["salesforce"].sync_run_id,)).fetchone()[0]
    assert detail_text.startswith(f"approved by {owner_user('salesforce')} in Airflow: a new market opens today")
    summary = format_summary(gather(warehouse, BAD_DAY))
    assert f"approve by {owner_user('salesforce')}" in summary and f"reject by {owner_user('crm')}" in summary
    # one alert per blocked push, on its owner's route, and none for the decisions
    assert destinations.alerts() == []
    told = sorted((tuple(mail["to"]), mail["task_id"]) for mail in alert_emails(destinations))
    assert told == sorted(((consumer(name).owner,), tasks.push_task_id(name)) for name in BLOCKED)
