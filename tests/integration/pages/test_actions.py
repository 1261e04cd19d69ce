"""What the Consumers page lets a person change goes through the CLI's own functions and is recorded with the signed-in
user and the reason: a pause (and its resume), a take-back; a change needs a login and a form from this site."""

from __future__ import annotations

from top_items.activation import pause
from top_items.activation.decisions import PAUSE, UNPAUSE, recent
from top_items.pages.app import URL_PREFIX

CONSUMER = "crm"


def post(client, token, action: str, **form):
    return client.post(f"{URL_PREFIX}/consumers/{CONSUMER}/{action}", data=form, follow_redirects=False,
                       headers={"Authorization": f"Bearer {token}"})


def test_pausing_and_resuming_a_consumer_from_the_page_is_recorded_with_who_and_why(client, token, warehouse):
    answer = post(client, token, "pause", paused="true", reason="the CRM team asked: a migration tonight")
    assert answer.status_code == 303 and "done=crm%3A+paused+by+admin" in answer.headers["location"]
    held = pause.current(warehouse, CONSUMER)
    assert (held.decided_by, held.reason) == ("admin", "the CRM team asked: a migration tonight")
    shown = client.get(answer.headers["location"], headers={"Authorization": f"Bearer {token}"}).text
    assert "crm: paused by admin" in shown and "paused by admin:" in shown and "Resume pushes" in shown

    again = post(client, token, "pause", paused="true", reason="twice")
    assert "already+paused" in again.headers["location"]
    assert post(client, token, "pause", paused="false", reason="migration done").status_code == 303
    assert pause.current(warehouse, CONSUMER) is None
    assert [(d.decision, d.decided_by) for d in recent(warehouse, CONSUMER)] == [(UNPAUSE, "admin"), (PAUSE, "admin")]


def test_a_take_back_from_the_page_goes_through_the_cli_s_function(client, token, warehouse):
    answer = post(client, token, "take-back", reason="yesterday's list was wrong")
    assert answer.status_code == 303
    assert "crm%3A+nothing%3A+crm+was+never+pushed" in answer.headers["location"]  # takeback.take_back's own answer
    assert recent(warehouse, CONSUMER) == []


def test_a_change_needs_a_login_a_reason_and_a_form_from_this_site(client, token, warehouse):
    anonymous = client.post(f"{URL_PREFIX}/consumers/{CONSUMER}/pause", data={"paused": "true", "reason": "x"})
    assert anonymous.status_code == 401
    elsewhere = client.post(f"{URL_PREFIX}/consumers/{CONSUMER}/pause", data={"paused": "true", "reason": "x"},
                            headers={"Authorization": f"Bearer {token}", "Origin": "http://elsewhere.example"})
    assert elsewhere.status_code == 403
    assert post(client, token, "pause", paused="true").status_code == 422  # no reason: nothing recorded
    assert recent(warehouse, CONSUMER) == []
