"""The SMTP sink: mail submitted through Airflow's SMTP provider arrives, and is read back over HTTP."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

import pytest

from sandbox.mocks import demo_credentials as creds
from sandbox.world.mock_connections import ALERT_SENDER, INBOX_CONN_ID, connections
from tests.support.mocks import fresh_control, running_mock
from top_items.settings import SMTP_CONN_ID

pytestmark = pytest.mark.timeout(60)

smtp_mock = running_mock("smtp")
INBOX_AUTH = {"Authorization": f"Bearer {creds.SMTP_INBOX_TOKEN}"}


@pytest.fixture
def smtp_control(smtp_mock):
    return fresh_control(smtp_mock)


@pytest.fixture
def smtp_hook(smtp_mock, smtp_control, monkeypatch):
    """Airflow's SmtpHook on the world's own connection to the sink."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    conn = connections(SMTP_CONN_ID, smtp_mock)[SMTP_CONN_ID]
    monkeypatch.setenv(f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}", json.dumps(conn))
    return lambda: SmtpHook(smtp_conn_id=SMTP_CONN_ID)


def _inbox(mock, **params) -> list[dict]:
    response = mock.session().get(f"{mock.url}/messages", params=params, headers=INBOX_AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "s", ALERT_SENDER, to
    message.set_content("t")
    return message


def test_mail_sent_through_the_smtp_provider_is_read_back(smtp_mock, smtp_hook):
    with smtp_hook() as hook:
        hook.send_email_smtp(to="owner@example.com", subject="[top_items] push failed", html_content="<p>why</p>")
        hook.send_email_smtp(to=["other@example.com"], subject="second", html_content="<p>more</p>")
    first, second = _inbox(smtp_mock)
    assert first["rcpt_tos"] == ["owner@example.com"] and first["mail_from"] == ALERT_SENDER
    assert first["subject"] == "[top_items] push failed" and "why" in first["text"]
    assert first["headers"]["To"] == "owner@example.com"
    assert second["id"] > first["id"]
    assert [m["subject"] for m in _inbox(smtp_mock, to="other@example.com")] == ["second"]


def test_the_read_back_wants_its_token_and_the_sink_wants_a_login(smtp_mock, smtp_control):
    assert smtp_mock.session().get(f"{smtp_mock.url}/messages", timeout=10).status_code == 401
    with smtplib.SMTP("127.0.0.1", smtp_mock.smtp_port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPSenderRefused, match="Authentication required"):
            client.send_message(_message("owner@example.com"))
    with smtplib.SMTP("127.0.0.1", smtp_mock.smtp_port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(creds.SMTP_USERNAME, "wrong")
    assert _inbox(smtp_mock) == []


def test_a_recipient_fault_refuses_that_mailbox_as_many_times_as_asked_and_reset_empties_it(smtp_mock, smtp_control):
    smtp_control.fault(kind="reject_records", keys=["full@example.com"], match={"method": "RCPT"}, count=1)
    with smtplib.SMTP("127.0.0.1", smtp_mock.smtp_port, timeout=10) as client:
        client.login(creds.SMTP_USERNAME, creds.SMTP_PASSWORD)
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.send_message(_message("full@example.com"))
        client.send_message(_message("full@example.com"))  # the fault's one refusal is spent
    assert [m["rcpt_tos"] for m in _inbox(smtp_mock)] == [["full@example.com"]]
    assert [f["fired"] for f in smtp_control.faults()] == [1]
    smtp_control.reset()
    assert _inbox(smtp_mock) == []


def test_the_world_connects_the_product_to_smtp_and_itself_to_the_read_back(smtp_mock):
    conns = connections(SMTP_CONN_ID, smtp_mock)
    assert conns[SMTP_CONN_ID]["conn_type"] == "smtp" and conns[SMTP_CONN_ID]["port"] == smtp_mock.smtp_port
    assert conns[INBOX_CONN_ID]["host"] == smtp_mock.url
