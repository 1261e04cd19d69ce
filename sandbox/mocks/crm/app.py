"""HubSpot CRM v3 companies: batch upsert / archive / read, listing, get by id, a rolling rate limit."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, g, request

from sandbox.mocks import demo_credentials
from sandbox.mocks.common.app import (
    ServiceSpec,
    create_app,
    current_store,
    json_response,
    rejected_keys,
    set_record_count,
)

OBJECT = "companies"
UNIQUE_PROPERTIES = ("store_id",)
MAX_BATCH = 100
BASE = "/crm/v3/objects/companies"
DAILY_MAX = 500_000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, category: str, message: str, headers: dict | None = None, **extra) -> Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
    body.update(extra)
    return json_response(body, status, headers)


def _unauthorized(reason: str) -> Response:
    if reason == "expired":
        return _error(
            401, "EXPIRED_AUTHENTICATION",
            "The OAuth token used to make this call expired. Refresh the token or use a new one.",
        )
    return _error(
        401, "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
    )


def _rate_headers(remaining: int, cfg: dict) -> dict:
    return {
        "X-HubSpot-RateLimit-Interval-Milliseconds": cfg["rate_limit_interval_ms"],
        "X-HubSpot-RateLimit-Max": cfg["rate_limit_max"],
        "X-HubSpot-RateLimit-Remaining": max(0, remaining),
        "X-HubSpot-RateLimit-Daily": DAILY_MAX,
        "X-HubSpot-RateLimit-Daily-Remaining": DAILY_MAX - current_store().counter("api_calls"),
    }


def _too_many(retry_after_s: float, cfg: dict) -> Response:
    headers = _rate_headers(0, cfg)
    headers["Retry-After"] = max(1, math.ceil(retry_after_s))
    return _error(
        429, "RATE_LIMITS", "You have reached your secondly limit.", headers,
        errorType="RATE_LIMIT", policyName="TEN_SECONDLY_ROLLING",
    )


def _fault_response(fault: dict) -> Response:
    status = int(fault["status"])
    cfg = current_store().config()
    if status == 429:
        return _too_many(float(fault.get("retry_after", 1)), cfg)
    if fault.get("body") is not None:
        return json_response(fault["body"], status, fault.get("headers"))
    category = "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR"
    return _error(status, category, f"simulated HTTP {status}", fault.get("headers"))


def _admit() -> Response | None:
    store = current_store()
    cfg = store.config()
    admitted, remaining, retry_after = store.rate_limit_admit(
        int(cfg["rate_limit_max"]), float(cfg["rate_limit_interval_ms"]) / 1000.0
    )
    if not admitted:
        return _too_many(retry_after, cfg)
    with store.tx() as conn:
        store.next_value(conn, "api_calls")
    g.crm_remaining = remaining
    return None


def _decorate(resp: Response) -> None:
    if "X-HubSpot-RateLimit-Max" in resp.headers or resp.status_code == 401:
        return
    cfg = current_store().config()
    for key, value in _rate_headers(g.get("crm_remaining", int(cfg["rate_limit_max"])), cfg).items():
        resp.headers[key] = str(value)


def _state_view() -> dict:
    return {OBJECT: current_store().collections().get(OBJECT, [])}


SPEC = ServiceSpec(
    name="crm",
    unauthorized=_unauthorized,
    fault_response=_fault_response,
    admit=_admit,
    decorate=_decorate,
    state_view=_state_view,
    config_defaults={"rate_limit_max": 100, "rate_limit_interval_ms": 10_000, "page_size_max": 100},
    static_tokens=demo_credentials.STATIC_TOKENS["crm"],
)


def _public(doc: dict, properties: list[str] | None, *, new: bool | None = None) -> dict:
    props = doc["properties"]
    if properties:
        wanted = set(properties) | {"hs_object_id", "createdate", "hs_lastmodifieddate"}
        props = {k: props.get(k) for k in sorted(wanted)}
    out = {
        "id": doc["id"],
        "properties": props,
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
        "archived": False,
    }
    if new is not None:
        out["new"] = new
    return out


def _batch_body(results: list[dict], errors: list[dict], started: str) -> tuple[dict, int]:
    body = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now()}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        return body, 207
    return body, 200


def _input_error(category: str, message: str, ids: list[str]) -> dict:
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": {"ids": ids},
        "errors": [],
        "links": {},
    }


def _inputs() -> tuple[list | None, Response | None]:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        return None, _error(400, "VALIDATION_ERROR", "Invalid input JSON: expected an object with 'inputs'")
    inputs = body["inputs"]
    set_record_count(len(inputs))
    if len(inputs) > MAX_BATCH:
        return None, _error(
            400, "VALIDATION_ERROR",
            f"Batch input limit exceeded: {len(inputs)} inputs, at most {MAX_BATCH} are allowed per request",
            context={"limit": [str(MAX_BATCH)]},
        )
    return inputs, None


def _find(conn, id_property: str | None, value: str) -> dict | None:
    store = current_store()
    if not id_property or id_property == "hs_object_id":
        return store.doc_get(conn, OBJECT, value)
    if id_property in UNIQUE_PROPERTIES:
        return store.doc_by_ext(conn, OBJECT, value)
    return None


def make_app(state_dir: Path) -> Flask:
    app = create_app(SPEC, state_dir)

    @app.post(f"{BASE}/batch/upsert")
    def batch_upsert():
        started = _now()
        inputs, err = _inputs()
        if err:
            return err
        for item in inputs:
            if item.get("idProperty") not in UNIQUE_PROPERTIES:
                return _error(
                    400, "VALIDATION_ERROR",
                    f"idProperty must be a unique property ({', '.join(UNIQUE_PROPERTIES)}), "
                    f"got {item.get('idProperty')!r}",
                )
            if not str(item.get("id") or "").strip():
                return _error(400, "VALIDATION_ERROR", "Every input needs a non-empty 'id'")
        ids = [str(item["id"]) for item in inputs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            return _error(
                400, "VALIDATION_ERROR", "Duplicate IDs found in batch input: " + ", ".join(duplicates),
                context={"ids": duplicates},
            )
        rejected = rejected_keys(ids)
        store = current_store()
        results, errors = [], []
        with store.tx() as conn:
            for item in inputs:
                key = str(item["id"])
                if key in rejected:
                    fault = rejected[key]
                    errors.append(_input_error(
                        fault.get("category", "VALIDATION_ERROR"),
                        fault.get("message", f"Property values were not valid for {item['idProperty']}={key}"),
                        [key],
                    ))
                    continue
                props = {k: (None if v is None else str(v)) for k, v in (item.get("properties") or {}).items()}
                props[item["idProperty"]] = key
                now = _now()
                doc = store.doc_by_ext(conn, OBJECT, key)
                new = doc is None
                if new:
                    hs_id = str(10_000_000_000 + store.next_value(conn, "company_id"))
                    doc = {"id": hs_id, "properties": {"hs_object_id": hs_id, "createdate": now}, "createdAt": now}
                doc["properties"].update(props)
                doc["properties"]["hs_lastmodifieddate"] = now
                doc["updatedAt"] = now
                store.doc_put(conn, OBJECT, doc["id"], doc, ext=key)
                results.append(_public(doc, None, new=new))
        body, status = _batch_body(results, errors, started)
        return json_response(body, status)

    @app.post(f"{BASE}/batch/archive")
    def batch_archive():
        inputs, err = _inputs()
        if err:
            return err
        store = current_store()
        with store.tx() as conn:
            for item in inputs:
                store.doc_delete(conn, OBJECT, str(item.get("id")))
        return Response(status=204)

    @app.post(f"{BASE}/batch/read")
    def batch_read():
        started = _now()
        inputs, err = _inputs()
        if err:
            return err
        body = request.get_json(force=True)
        id_property = body.get("idProperty")
        if id_property and id_property not in UNIQUE_PROPERTIES + ("hs_object_id",):
            return _error(400, "VALIDATION_ERROR", f"{id_property} is not a unique property")
        properties = body.get("properties") or None
        store = current_store()
        results, missing = [], []
        with store.read() as conn:
            for item in inputs:
                doc = _find(conn, id_property, str(item.get("id")))
                if doc is None:
                    missing.append(str(item.get("id")))
                else:
                    results.append(_public(doc, properties))
        errors = []
        if missing:
            errors.append(_input_error(
                "OBJECT_NOT_FOUND",
                "Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.",
                missing,
            ))
        resp_body, status = _batch_body(results, errors, started)
        return json_response(resp_body, status)

    @app.get(BASE)
    def list_companies():
        try:
            limit = int(request.args.get("limit", 10))
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "limit must be an integer")
        limit = max(1, min(limit, int(current_store().config()["page_size_max"])))
        after = request.args.get("after")
        properties = _multi_arg("properties")
        docs = sorted(current_store().collections().get(OBJECT, []), key=lambda d: int(d["id"]))
        if after:
            docs = [d for d in docs if int(d["id"]) > int(after)]
        page = docs[:limit]
        set_record_count(len(page))
        body = {"results": [_public(d, properties) for d in page]}
        if len(docs) > limit:
            nxt = page[-1]["id"]
            body["paging"] = {"next": {"after": nxt, "link": f"{request.base_url}?after={nxt}&limit={limit}"}}
        return json_response(body)

    @app.get(f"{BASE}/<object_id>")
    def get_company(object_id: str):
        id_property = request.args.get("idProperty")
        store = current_store()
        with store.read() as conn:
            doc = _find(conn, id_property, object_id)
        if doc is None:
            return _error(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.")
        set_record_count(1)
        return json_response(_public(doc, _multi_arg("properties")))

    return app


def _multi_arg(name: str) -> list[str] | None:
    values: list[str] = []
    for raw in request.args.getlist(name):
        values.extend(p.strip() for p in raw.split(",") if p.strip())
    return values or None
