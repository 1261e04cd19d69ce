"""The behaviour every mock shares: bearer auth, fault injection, request log, control API.

A service describes itself with a :class:`ServiceSpec` (how its errors look, which paths need no
token, extra admission such as a rate limit, headers for every response) and registers its own
routes on the Flask app returned by :func:`create_app`.
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, g, jsonify, request

from sandbox.mocks.common.store import Store

CONTROL_PREFIX = "/__mock"

# Kinds applied by the common layer before a route runs, and kinds a route consults itself.
REQUEST_FAULTS = ("latency", "drop_connection", "expire_session", "http_status")
RECORD_FAULTS = ("reject_records", "bulk_job_fails")
FAULT_KINDS = REQUEST_FAULTS + RECORD_FAULTS

BASE_DEFAULTS = {"token_ttl_seconds": 7200}


@dataclass
class ServiceSpec:
    name: str
    # reason is "missing", "invalid" or "expired"
    unauthorized: Callable[[str], Response]
    # the response for an http_status fault (the spec carries "status" and optional "body"/"headers")
    fault_response: Callable[[dict], Response]
    public_paths: tuple[str, ...] = ()  # exact paths served without a token (e.g. an OAuth endpoint)
    admit: Callable[[], Response | None] | None = None  # runs after auth, may refuse (rate limit)
    decorate: Callable[[Response], None] | None = None  # adds headers to every API response
    state_view: Callable[[], dict] | None = None
    config_defaults: dict = field(default_factory=dict)
    static_tokens: tuple[str, ...] = ()


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    resp = jsonify(body)
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = str(value)
    return resp


def current_store() -> Store:
    from flask import current_app

    return current_app.extensions["mock_store"]


def set_record_count(n: int) -> None:
    """Routes call this so the request log shows how many records a call carried."""
    g.mock_records = n


def rejected_keys(keys: list[str]) -> dict[str, dict]:
    """Which of ``keys`` an active reject_records fault rejects: key -> fault spec.

    A fault with a ``count`` is consumed once per request in which it rejected something.
    """
    store = current_store()
    faults = store.peek_faults("reject_records", request.method, request.path)
    out: dict[str, dict] = {}
    for fault in faults:
        wanted = {str(k) for k in fault.get("keys") or []}
        hit = [k for k in keys if k in wanted and k not in out]
        for key in hit:
            out[key] = fault
        if hit:
            store.consume_fault(fault["id"])
    if out:
        g.mock_fault = "reject_records"
    return out


def take_fault(kind: str) -> dict | None:
    fired = current_store().take_faults((kind,), request.method, request.path, first_only=True)
    if fired:
        g.mock_fault = kind
        return fired[0]
    return None


def validate_fault(spec: dict) -> dict:
    if not isinstance(spec, dict):
        raise TypeError("a fault is a JSON object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {list(FAULT_KINDS)}")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer or null (unlimited)")
    probability = spec.get("probability")
    if probability is not None and not (0 <= float(probability) <= 1):
        raise ValueError("probability must be between 0 and 1")
    match = spec.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"path", "method"}:
        raise ValueError("match may only hold 'path' (a regex searched in the path) and 'method'")
    if kind == "http_status" and not isinstance(spec.get("status"), int):
        raise ValueError("http_status needs an integer 'status'")
    if kind == "latency" and not isinstance(spec.get("seconds"), (int, float)):
        raise ValueError("latency needs 'seconds'")
    if kind == "reject_records" and not isinstance(spec.get("keys"), list):
        raise ValueError("reject_records needs 'keys' (a list of record keys)")
    return spec


def _drop_connection() -> Response:
    """Close the socket without answering; werkzeug's write then fails and is ignored."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return Response(b"", status=500)


def create_app(spec: ServiceSpec, state_dir: Path) -> Flask:
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(
        state_dir / f"{spec.name}.sqlite3",
        static_tokens=spec.static_tokens,
        defaults={**BASE_DEFAULTS, **spec.config_defaults},
    )
    app = Flask(f"sandbox.mocks.{spec.name}")
    app.json.sort_keys = False
    app.extensions["mock_store"] = store
    app.extensions["mock_spec"] = spec
    app.url_map.strict_slashes = False

    def is_control() -> bool:
        return request.path.startswith(CONTROL_PREFIX)

    @app.before_request
    def _before():
        if is_control():
            return None
        g.mock_t0 = time.time()
        g.mock_fault = None
        method, path = request.method, request.path
        for fault in store.take_faults(("latency",), method, path):
            g.mock_fault = "latency"
            time.sleep(float(fault["seconds"]))
        if store.take_faults(("drop_connection",), method, path, first_only=True):
            g.mock_fault = "drop_connection"
            g.mock_dropped = True
            return _drop_connection()
        if store.take_faults(("expire_session",), method, path):
            g.mock_fault = "expire_session"
            with store.tx() as conn:
                store.revoke_all_tokens(conn)
        fired = store.take_faults(("http_status",), method, path, first_only=True)
        if fired:
            g.mock_fault = "http_status"
            return spec.fault_response(fired[0])
        if path not in spec.public_paths:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return spec.unauthorized("missing")
            state = store.check_token(token.strip())
            if state != "ok":
                return spec.unauthorized(state)
            if spec.admit is not None:
                refused = spec.admit()
                if refused is not None:
                    return refused
        return None

    @app.after_request
    def _after(resp: Response) -> Response:
        if is_control():
            return resp
        if spec.decorate is not None and not g.get("mock_dropped"):
            spec.decorate(resp)
        store.log_request(
            {
                "ts": g.get("mock_t0", time.time()),
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1") or None,
                "status": 0 if g.get("mock_dropped") else resp.status_code,
                "request_bytes": request.content_length or 0,
                "records": g.get("mock_records"),
                "fault": g.get("mock_fault"),
            }
        )
        return resp

    # -- control API (no auth, no faults) -----------------------------------------------------------
    @app.get(f"{CONTROL_PREFIX}/health")
    def _health():
        return json_response({"status": "ok", "service": spec.name, "pid": __import__("os").getpid()})

    @app.get(f"{CONTROL_PREFIX}/faults")
    def _faults_list():
        return json_response({"faults": store.list_faults()})

    @app.post(f"{CONTROL_PREFIX}/faults")
    def _faults_add():
        body = request.get_json(force=True, silent=True)
        specs = body if isinstance(body, list) else [body]
        try:
            specs = [validate_fault(s) for s in specs]
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"faults": [store.add_fault(s) for s in specs]}, 201)

    @app.delete(f"{CONTROL_PREFIX}/faults")
    def _faults_clear():
        store.clear_faults()
        return json_response({"faults": []})

    @app.post(f"{CONTROL_PREFIX}/reset")
    def _reset():
        store.reset()
        return json_response({"reset": True})

    @app.get(f"{CONTROL_PREFIX}/requests")
    def _requests():
        return json_response({"requests": store.requests()})

    @app.get(f"{CONTROL_PREFIX}/config")
    def _config_get():
        return json_response(store.config())

    @app.post(f"{CONTROL_PREFIX}/config")
    def _config_set():
        try:
            return json_response(store.update_config(request.get_json(force=True) or {}))
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)

    @app.post(f"{CONTROL_PREFIX}/tokens")
    def _tokens():
        body = request.get_json(force=True, silent=True) or {}
        token = body.get("token") or secrets.token_urlsafe(24)
        ttl = body.get("ttl_seconds")
        expires_at = store.issue_token(token, ttl)
        return json_response({"access_token": token, "expires_at": expires_at}, 201)

    @app.get(f"{CONTROL_PREFIX}/state")
    def _state():
        view = spec.state_view() if spec.state_view else store.collections()
        return json_response(view)

    return app
