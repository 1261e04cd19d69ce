"""The pager webhook: stores every alert it receives, in order."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, request

from sandbox.mocks import demo_credentials
from sandbox.mocks.common.app import (
    ServiceSpec,
    create_app,
    current_store,
    json_response,
    set_record_count,
)

COLLECTION = "alerts"


def _unauthorized(reason: str):
    message = "token expired" if reason == "expired" else "missing or invalid bearer token"
    return json_response({"ok": False, "error": "invalid_auth", "message": message}, 401)


def _fault_response(fault: dict):
    status = int(fault["status"])
    body = fault.get("body") or {"ok": False, "error": "simulated_failure", "status": status}
    headers = dict(fault.get("headers") or {})
    if status == 429:
        headers.setdefault("Retry-After", str(fault.get("retry_after", 1)))
    return json_response(body, status, headers)


def _state_view() -> dict:
    store = current_store()
    return {"alerts": [a for a in store.collections().get(COLLECTION, [])]}


SPEC = ServiceSpec(
    name="pager",
    unauthorized=_unauthorized,
    fault_response=_fault_response,
    state_view=_state_view,
    static_tokens=demo_credentials.STATIC_TOKENS["pager"],
)


def make_app(state_dir: Path) -> Flask:
    app = create_app(SPEC, state_dir)

    @app.post("/alerts")
    def post_alert():
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("summary"), str) or not body["summary"].strip():
            return json_response(
                {"ok": False, "error": "invalid_payload", "message": "JSON object with a non-empty 'summary' required"},
                400,
            )
        store = current_store()
        with store.tx() as conn:
            n = store.next_value(conn, "alerts")
            alert = {
                "id": n,
                "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "received_ts": time.time(),
                "payload": body,
            }
            store.doc_put(conn, COLLECTION, f"{n:09d}", alert)
        set_record_count(1)
        return json_response({"ok": True, "id": n}, 201)

    @app.get("/alerts")
    def list_alerts():
        alerts = current_store().collections().get(COLLECTION, [])
        set_record_count(len(alerts))
        return json_response({"alerts": alerts, "count": len(alerts)})

    return app
