"""The SMTP sink: a real SMTP server (aiosmtpd) where the alert emails arrive, and an HTTP API that reads them back.

- SMTP on ``--smtp-port`` (0: a free port; the same host as the HTTP API): AUTH PLAIN or LOGIN with the demo login
  is required before MAIL, as a provider's submission port would; no TLS (loopback only). Every accepted message
  is kept, in order, with its envelope (who sent it, whom it was delivered to) and its parsed headers and text.
- HTTP: ``GET /messages`` (bearer token; ``?to=<address>`` keeps those delivered to it) and the mocks' control API
  (health, faults, request log, reset). ``GET /__mock/smtp`` tells where SMTP listens.
- Fault ``reject_records`` with ``keys`` (addresses) and ``match: {"method": "RCPT"}``: those recipients are refused
  (550), as a full or unknown mailbox would be; ``count`` limits how many times.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import threading
import time
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from flask import Flask, request

from sandbox.mocks import demo_credentials
from sandbox.mocks.common.app import CONTROL_PREFIX, ServiceSpec, create_app, json_response, set_record_count
from sandbox.mocks.common.server import serve
from sandbox.mocks.common.store import Store

NAME = "smtp"
COLLECTION = "messages"
SMTP_INFO = f"{CONTROL_PREFIX}/smtp"
RCPT, SMTP_PATH = "RCPT", "smtp"  # the (method, path) an SMTP fault matches


def _unauthorized(reason: str):
    return json_response({"ok": False, "error": "invalid_auth", "reason": reason}, 401)


def _fault_response(fault: dict):
    return json_response({"ok": False, "error": "simulated_failure"}, int(fault["status"]))


SPEC = ServiceSpec(name=NAME, unauthorized=_unauthorized, fault_response=_fault_response,
                   static_tokens=demo_credentials.STATIC_TOKENS[NAME])


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and \
        (auth_data.login, auth_data.password) == (demo_credentials.SMTP_USERNAME.encode(),
                                                  demo_credentials.SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class Sink:
    """The aiosmtpd handler: refuses the recipients a fault names, keeps every message it accepts."""

    def __init__(self, store: Store):
        self.store = store

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        for fault in self.store.peek_faults("reject_records", RCPT, SMTP_PATH):
            if address in (fault.get("keys") or []):
                self.store.consume_fault(fault["id"])
                return f"550 5.1.1 <{address}>: mailbox unavailable (simulated)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.store.tx() as conn:
            n = self.store.next_value(conn, COLLECTION)
            self.store.doc_put(conn, COLLECTION, f"{n:09d}", {
                "id": n,
                "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "received_ts": time.time(),
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "subject": str(message.get("Subject", "")),
                "headers": {key: str(value) for key, value in message.items()},
                "text": _text(message),
            })
        return "250 Message accepted for delivery"


def start_smtp(store: Store, host: str, port: int) -> int:
    """Serve SMTP in a thread of its own; returns the bound port."""
    loop = asyncio.new_event_loop()
    handler = Sink(store)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="smtp-sink", auth_required=True, auth_require_tls=False,
                     authenticator=_authenticate, loop=loop), host=host, port=port))
    threading.Thread(target=loop.run_forever, name="smtp", daemon=True).start()
    return server.sockets[0].getsockname()[1]


def make_app(state_dir: Path, smtp_host: str = "127.0.0.1", smtp_port: int = 0) -> Flask:
    app = create_app(SPEC, state_dir)
    store: Store = app.extensions["mock_store"]
    bound = start_smtp(store, smtp_host, smtp_port)

    @app.get(SMTP_INFO)
    def smtp_info():
        return json_response({"host": smtp_host, "port": bound})

    @app.get("/messages")
    def list_messages():
        messages = store.collections().get(COLLECTION, [])
        to = request.args.get("to")
        if to:
            messages = [m for m in messages if to in m["rcpt_tos"]]
        set_record_count(len(messages))
        return json_response({"messages": messages, "count": len(messages)})

    return app


def main(argv: list[str] | None = None) -> None:
    """The common mock command line, plus ``--smtp-port``; SMTP listens on the HTTP API's ``--host``."""
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--smtp-port", type=int, default=0)
    extra.add_argument("--host", default="127.0.0.1")
    known, rest = extra.parse_known_args(argv)
    serve(NAME, lambda state_dir: make_app(state_dir, known.host, known.smtp_port),
          argv=[*rest, "--host", known.host])
