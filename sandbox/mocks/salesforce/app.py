"""The slice of the Salesforce REST API that simple-salesforce uses for one custom object."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.routing import BaseConverter

from sandbox.mocks import demo_credentials as creds
from sandbox.mocks.common.app import (
    ServiceSpec,
    create_app,
    current_store,
    json_response,
    rejected_keys,
    set_record_count,
    take_fault,
)
from sandbox.mocks.salesforce import soql

# object name -> (key prefix, external id fields, numeric fields)
OBJECTS = {
    "Top_Item__c": {"prefix": "a01", "external_ids": ("Top_Item_Key__c",), "numeric": ("Market_Rank__c",)},
}
API_LIMIT = 15000
MAX_COLLECTION = 200
TOKEN_PATH = "/services/oauth2/token"
JOBS = "__bulk_jobs"
CURSORS = "__query_cursors"
ROLLED_BACK = (
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)


class VersionConverter(BaseConverter):
    regex = r"v\d+\.\d+"


class RecordError(Exception):
    def __init__(self, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or []

    def as_json(self) -> dict:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def as_csv(self) -> str:
        return f"{self.code}:{self.message}:{','.join(self.fields) or '--'}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sf_error(status: int, code: str, message: str, fields: list[str] | None = None, headers=None) -> Response:
    body = [{"message": message, "errorCode": code}]
    if fields is not None:
        body[0]["fields"] = fields
    return json_response(body, status, headers)


def _unauthorized(reason: str) -> Response:
    return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")


def _fault_response(fault: dict) -> Response:
    status = int(fault["status"])
    if fault.get("body") is not None:
        return json_response(fault["body"], status, fault.get("headers"))
    defaults = {
        403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
        500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support"),
        502: ("SERVER_UNAVAILABLE", "Bad gateway"),
        503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
    }
    code, message = defaults.get(status, ("UNKNOWN_EXCEPTION", f"simulated HTTP {status}"))
    code = fault.get("error_code", code)
    message = fault.get("message", message)
    return sf_error(status, code, message, headers=fault.get("headers"))


def _admit() -> Response | None:
    store = current_store()
    with store.tx() as conn:
        store.next_value(conn, "api_calls")
    return None


def _decorate(resp: Response) -> None:
    resp.headers["Sforce-Limit-Info"] = f"api-usage={current_store().counter('api_calls')}/{API_LIMIT}"


def _state_view() -> dict:
    colls = current_store().collections()
    return {name: colls.get(name, []) for name in OBJECTS} | {"bulk_jobs": [_job_info(j) for j in colls.get(JOBS, [])]}


SPEC = ServiceSpec(
    name="salesforce",
    unauthorized=_unauthorized,
    fault_response=_fault_response,
    public_paths=(TOKEN_PATH,),
    admit=_admit,
    decorate=_decorate,
    state_view=_state_view,
    config_defaults={"query_page_size": 2000, "bulk_processing_seconds": 0.0},
    static_tokens=creds.STATIC_TOKENS["salesforce"],
)


# -- records ----------------------------------------------------------------------------------------
def _new_id(conn, prefix: str, counter: str) -> str:
    n = current_store().next_value(conn, counter)
    return f"{prefix}DM{n:010d}QAA"


def _record_url(version: str, obj: str, record_id: str) -> str:
    return f"/services/data/{version}/sobjects/{obj}/{record_id}"


def _clean(obj: str, data: dict, *, from_csv: bool = False) -> dict:
    out = {}
    numeric = OBJECTS[obj]["numeric"]
    for key, value in data.items():
        if key in ("attributes", "Id") or key.startswith("sf__"):
            continue
        if from_csv:
            if value == "":
                continue  # an empty CSV cell leaves the field unchanged
            if value == "#N/A":
                value = None
            elif key in numeric:
                try:
                    num = float(value)
                    value = int(num) if num.is_integer() else num
                except ValueError as exc:
                    raise RecordError(
                        "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{key}: value not of required type: {value}", [key]
                    ) from exc
        out[key] = value
    return out


def _upsert_one(conn, obj: str, ext_field: str, key: str, data: dict) -> tuple[str, bool]:
    store = current_store()
    existing = store.doc_by_ext(conn, obj, key)
    now = _now()
    if existing is None:
        record = {"Id": _new_id(conn, OBJECTS[obj]["prefix"], f"id:{obj}"), "CreatedDate": now}
        created = True
    else:
        record, created = existing, False
    record.update(data)
    record[ext_field] = key
    record["LastModifiedDate"] = record["SystemModstamp"] = now
    store.doc_put(conn, obj, record["Id"], record, ext=key)
    return record["Id"], created


def _insert_one(conn, obj: str, data: dict) -> str:
    store = current_store()
    now = _now()
    record = {"Id": _new_id(conn, OBJECTS[obj]["prefix"], f"id:{obj}"), "CreatedDate": now, **data}
    record["LastModifiedDate"] = record["SystemModstamp"] = now
    ext_field = OBJECTS[obj]["external_ids"][0]
    store.doc_put(conn, obj, record["Id"], record, ext=record.get(ext_field))
    return record["Id"]


def _duplicate_ext_error(ext_field: str, record_id: str | None) -> RecordError:
    ids = [record_id or "a01DM0000000000QAA", "a01DM9999999999QAA"]
    return RecordError(
        "DUPLICATE_EXTERNAL_ID",
        f"{ext_field}: more than one record found for external id field: [{', '.join(ids)}]",
        [ext_field],
    )


def _rejection(fault: dict, ext_field: str, record_id: str | None) -> RecordError:
    code = fault.get("error_code", "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    if code == "DUPLICATE_EXTERNAL_ID":
        return _duplicate_ext_error(ext_field, record_id)
    message = fault.get("message", "Record rejected by a validation rule (simulated)")
    return RecordError(code, message, fault.get("fields") or [])


def _with_attributes(version: str, obj: str, record: dict, fields: list[str] | None = None) -> dict:
    out = {"attributes": {"type": obj, "url": _record_url(version, obj, record["Id"])}}
    if fields is None:
        out.update(record)
    else:
        for name in fields:
            out[soql.canonical([record], name)] = soql.lookup(record, name)
    return out


# -- bulk jobs --------------------------------------------------------------------------------------
JOB_INFO_KEYS = (
    "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state", "externalIdFieldName",
    "concurrencyMode", "contentType", "apiVersion", "jobType", "contentUrl", "lineEnding", "columnDelimiter",
    "numberRecordsProcessed", "numberRecordsFailed", "retries", "totalProcessingTime", "apiActiveProcessingTime",
    "apexProcessingTime", "errorMessage",
)


def _job_info(job: dict) -> dict:
    info = {k: job[k] for k in JOB_INFO_KEYS if k in job}
    if job["state"] == "JobComplete" and time.time() < job.get("ready_at", 0):
        info["state"] = "InProgress"
    return info


DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}


def _parse_job_csv(job: dict) -> tuple[list[str], list[list[str]]]:
    delimiter = DELIMITERS.get(job.get("columnDelimiter", "COMMA"), ",")
    rows = list(csv.reader(io.StringIO(job.get("data") or "", newline=""), delimiter=delimiter))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    return header, [r for r in body if any(cell != "" for cell in r)]


def _job_faults(job: dict) -> tuple[dict | None, dict[str, dict]]:
    """Consult bulk_job_fails and reject_records before the job's write transaction opens."""
    failing = take_fault("bulk_job_fails")
    if failing:
        return failing, {}
    header, body = _parse_job_csv(job)
    key_field = job.get("externalIdFieldName") if job["operation"] == "upsert" else "Id"
    keys = [dict(zip(header, row, strict=False)).get(key_field, "") for row in body]
    return None, rejected_keys([k for k in keys if k])


def _process_job(conn, job: dict, failing: dict | None, rejected: dict[str, dict]) -> None:
    store = current_store()
    obj, op = job["object"], job["operation"]
    header, body = _parse_job_csv(job)
    job["header"], job["successful"], job["failed"], job["unprocessed"] = header, [], [], []
    if failing or not header:
        job["state"] = "Failed"
        job["errorMessage"] = (failing or {}).get("message", "InvalidBatch : Failed to process the batch (simulated)") \
            if failing else "InvalidBatch : The job has no data"
        job["unprocessed"] = body
        job["numberRecordsProcessed"] = job["numberRecordsFailed"] = 0
        return
    ext_field = job.get("externalIdFieldName")
    records = [dict(zip(header, row, strict=False)) for row in body]
    for row, record in zip(body, records, strict=False):
        try:
            if op in ("delete", "hardDelete"):
                record_id = record.get("Id", "")
                if record_id in rejected:
                    raise _rejection(rejected[record_id], "Id", record_id)
                if not store.doc_delete(conn, obj, record_id):
                    raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
                job["successful"].append([record_id, "false", *row])
            elif op == "upsert":
                key = record.get(ext_field, "")
                if not key:
                    raise RecordError("MISSING_ARGUMENT", f"{ext_field} not specified", [ext_field])
                if key in rejected:
                    existing = store.doc_by_ext(conn, obj, key)
                    raise _rejection(rejected[key], ext_field, existing and existing["Id"])
                record_id, created = _upsert_one(conn, obj, ext_field, key, _clean(obj, record, from_csv=True))
                job["successful"].append([record_id, "true" if created else "false", *row])
            elif op == "insert":
                record_id = _insert_one(conn, obj, _clean(obj, record, from_csv=True))
                job["successful"].append([record_id, "true", *row])
            elif op == "update":
                existing = store.doc_get(conn, obj, record.get("Id", ""))
                if existing is None:
                    raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
                existing.update(_clean(obj, record, from_csv=True))
                existing["LastModifiedDate"] = existing["SystemModstamp"] = _now()
                ext = existing.get(OBJECTS[obj]["external_ids"][0])
                store.doc_put(conn, obj, existing["Id"], existing, ext=ext)
                job["successful"].append([existing["Id"], "false", *row])
        except RecordError as exc:
            job["failed"].append([record.get("Id", ""), exc.as_csv(), *row])
    job["state"] = "JobComplete"
    job["numberRecordsProcessed"] = len(body)
    job["numberRecordsFailed"] = len(job["failed"])


def _csv_response(header: list[str], rows: list[list[str]]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(buf.getvalue(), status=200, content_type="text/csv; charset=UTF-8")


# -- the app ----------------------------------------------------------------------------------------
def make_app(state_dir: Path) -> Flask:
    app = create_app(SPEC, state_dir)
    app.url_map.converters["ver"] = VersionConverter
    data = "/services/data/<ver:version>"

    def unknown_object(obj: str) -> Response | None:
        if obj not in OBJECTS:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return None

    def body_json():
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise RecordError("JSON_PARSER_ERROR", "Unexpected end of input / invalid JSON body")
        return body

    @app.errorhandler(RecordError)
    def _record_error(exc: RecordError):
        return sf_error(400, exc.code, exc.message, exc.fields)

    @app.post(TOKEN_PATH)
    def oauth_token():
        form = request.form
        grant = form.get("grant_type")
        if (form.get("client_id") != creds.SALESFORCE_CLIENT_ID
                or form.get("client_secret") != creds.SALESFORCE_CLIENT_SECRET):
            return json_response({"error": "invalid_client", "error_description": "invalid client credentials"}, 400)
        if grant == "password":
            if form.get("username") != creds.SALESFORCE_USERNAME or form.get("password") != creds.SALESFORCE_PASSWORD:
                return json_response({"error": "invalid_grant", "error_description": "authentication failure"}, 400)
        elif grant != "client_credentials":
            return json_response(
                {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, 400
            )
        store = current_store()
        token = f"00DDEMO0000000001!{secrets.token_urlsafe(32)}"
        store.issue_token(token, store.config()["token_ttl_seconds"])
        instance_url = request.host_url.rstrip("/")
        issued_at = str(int(time.time() * 1000))
        signature = base64.b64encode(hashlib.sha256(f"{instance_url}{issued_at}".encode()).digest()).decode()
        return json_response({
            "access_token": token,
            "instance_url": instance_url,
            "id": f"{instance_url}/id/00DDEMO000000001AAA/005DEMO000000001AAA",
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": signature,
        })

    @app.get(f"{data}/limits")
    def limits(version):
        used = current_store().counter("api_calls")
        return json_response({"DailyApiRequests": {"Max": API_LIMIT, "Remaining": API_LIMIT - used}})

    # -- single records ---------------------------------------------------------------------------
    @app.post(f"{data}/sobjects/<obj>")
    def create_record(version, obj):
        if (err := unknown_object(obj)) is not None:
            return err
        fields = _clean(obj, body_json())
        store = current_store()
        with store.tx() as conn:
            record_id = _insert_one(conn, obj, fields)
        set_record_count(1)
        return json_response({"id": record_id, "success": True, "errors": []}, 201)

    @app.route(f"{data}/sobjects/<obj>/<record_id>", methods=["GET", "PATCH", "DELETE"])
    def record_by_id(version, obj, record_id):
        if (err := unknown_object(obj)) is not None:
            return err
        store = current_store()
        set_record_count(1)
        with store.tx() as conn:
            record = store.doc_get(conn, obj, record_id)
            if record is None:
                return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
            if request.method == "GET":
                fields = request.args.get("fields")
                names = [f.strip() for f in fields.split(",")] if fields else None
                return json_response(_with_attributes(version, obj, record, names))
            if request.method == "DELETE":
                store.doc_delete(conn, obj, record_id)
                return Response(status=204)
            record.update(_clean(obj, body_json()))
            record["LastModifiedDate"] = record["SystemModstamp"] = _now()
            ext_field = OBJECTS[obj]["external_ids"][0]
            store.doc_put(conn, obj, record_id, record, ext=record.get(ext_field))
        return Response(status=204)

    @app.route(f"{data}/sobjects/<obj>/<field>/<path:value>", methods=["GET", "PATCH"])
    def record_by_external_id(version, obj, field, value):
        if (err := unknown_object(obj)) is not None:
            return err
        if field not in OBJECTS[obj]["external_ids"]:
            return sf_error(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}"
            )
        store = current_store()
        set_record_count(1)
        if request.method == "GET":
            with store.read() as conn:
                record = store.doc_by_ext(conn, obj, value)
            if record is None:
                return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
            return json_response(_with_attributes(version, obj, record))
        payload = _clean(obj, body_json())
        rejected = rejected_keys([value])
        with store.tx() as conn:
            if value in rejected:
                existing = store.doc_by_ext(conn, obj, value)
                exc = _rejection(rejected[value], field, existing and existing["Id"])
                if exc.code == "DUPLICATE_EXTERNAL_ID":
                    ids = exc.message.split("[", 1)[1].rstrip("]").split(", ")
                    return json_response([_record_url(version, obj, i) for i in ids], 300)
                return sf_error(400, exc.code, exc.message, exc.fields)
            record_id, created = _upsert_one(conn, obj, field, value, payload)
        return json_response(
            {"id": record_id, "success": True, "errors": [], "created": created}, 201 if created else 200
        )

    # -- composite collections --------------------------------------------------------------------
    @app.route(f"{data}/composite/sobjects/<obj>/<field>", methods=["PATCH"])
    def composite_upsert(version, obj, field):
        if (err := unknown_object(obj)) is not None:
            return err
        if field not in OBJECTS[obj]["external_ids"]:
            return sf_error(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}"
            )
        body = body_json()
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            return sf_error(400, "JSON_PARSER_ERROR", "Expected an object with 'records'")
        set_record_count(len(records))
        if len(records) > MAX_COLLECTION:
            return sf_error(
                400, "EXCEEDED_ID_LIMIT",
                f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this call",
            )
        all_or_none = bool(body.get("allOrNone", False))
        keys = [str(r.get(field) or "") for r in records]
        rejected = rejected_keys([k for k in keys if k])
        errors: list[RecordError | None] = []
        store = current_store()
        with store.tx() as conn:
            for record, key in zip(records, keys, strict=False):
                rtype = (record.get("attributes") or {}).get("type")
                if rtype != obj:
                    errors.append(RecordError("INVALID_TYPE", f"Record type {rtype!r} does not match {obj}"))
                elif not key:
                    errors.append(RecordError("MISSING_ARGUMENT", f"{field} not specified", [field]))
                elif keys.count(key) > 1:
                    errors.append(RecordError("DUPLICATE_VALUE", f"Duplicate external id specified: {key}", [field]))
                elif key in rejected:
                    existing = store.doc_by_ext(conn, obj, key)
                    errors.append(_rejection(rejected[key], field, existing and existing["Id"]))
                else:
                    try:
                        _clean(obj, record)
                        errors.append(None)
                    except RecordError as exc:
                        errors.append(exc)
            results = []
            if all_or_none and any(errors):
                for exc in errors:
                    err = exc or RecordError(*ROLLED_BACK)
                    results.append({"success": False, "errors": [err.as_json()]})
                return json_response(results)
            for record, key, exc in zip(records, keys, errors, strict=False):
                if exc is not None:
                    results.append({"success": False, "errors": [exc.as_json()]})
                    continue
                record_id, created = _upsert_one(conn, obj, field, key, _clean(obj, record))
                results.append({"id": record_id, "success": True, "errors": [], "created": created})
        return json_response(results)

    @app.route(f"{data}/composite/sobjects", methods=["DELETE"])
    def composite_delete(version):
        ids = [i for i in (request.args.get("ids") or "").split(",") if i]
        set_record_count(len(ids))
        if not ids:
            return sf_error(400, "MISSING_ARGUMENT", "ids parameter is required")
        if len(ids) > MAX_COLLECTION:
            return sf_error(
                400, "EXCEEDED_ID_LIMIT",
                f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this call",
            )
        all_or_none = (request.args.get("allOrNone") or "false").lower() == "true"
        rejected = rejected_keys(ids)
        store = current_store()
        with store.tx() as conn:
            errors = []
            for record_id in ids:
                if record_id in rejected:
                    errors.append(_rejection(rejected[record_id], "Id", record_id))
                elif not any(store.doc_get(conn, o, record_id) for o in OBJECTS):
                    errors.append(RecordError("ENTITY_IS_DELETED", "entity is deleted"))
                else:
                    errors.append(None)
            if all_or_none and any(errors):
                return json_response([
                    {"id": i, "success": False, "errors": [(e or RecordError(*ROLLED_BACK)).as_json()]}
                    for i, e in zip(ids, errors, strict=False)
                ])
            results = []
            for record_id, exc in zip(ids, errors, strict=False):
                if exc is not None:
                    results.append({"id": record_id, "success": False, "errors": [exc.as_json()]})
                    continue
                for o in OBJECTS:
                    store.doc_delete(conn, o, record_id)
                results.append({"id": record_id, "success": True, "errors": []})
        return json_response(results)

    # -- SOQL ------------------------------------------------------------------------------------
    @app.get(f"{data}/query")
    @app.get(f"{data}/queryAll")
    def query(version):
        text = request.args.get("q")
        if not text:
            return sf_error(400, "MALFORMED_QUERY", "A query string (q) is required")
        try:
            parsed = soql.parse(text)
        except soql.SoqlError as exc:
            return sf_error(400, "MALFORMED_QUERY", f"unsupported or malformed SOQL: {exc}")
        if parsed.obj not in OBJECTS:
            return sf_error(
                400, "INVALID_TYPE",
                f"sObject type '{parsed.obj}' is not supported. If you are attempting to use a custom object, "
                "be sure to append the '__c' after the entity name.",
            )
        store = current_store()
        with store.read() as conn:
            matched = soql.run(parsed, store.doc_list(conn, parsed.obj))
        if parsed.count_only:
            return json_response({"totalSize": len(matched), "done": True, "records": []})
        page_size = int(store.config()["query_page_size"])
        if len(matched) <= page_size:
            set_record_count(len(matched))
            records = [_with_attributes(version, parsed.obj, r, parsed.fields) for r in matched]
            return json_response({"totalSize": len(matched), "done": True, "records": records})
        with store.tx() as conn:
            cursor_id = _new_id(conn, "01g", "cursor")
            store.doc_put(conn, CURSORS, cursor_id, {
                "obj": parsed.obj, "fields": parsed.fields, "ids": [r["Id"] for r in matched],
            })
        return _query_page(version, cursor_id, 0)

    @app.get(f"{data}/query/<locator>")
    @app.get(f"{data}/queryAll/<locator>")
    def query_more(version, locator):
        cursor_id, _, offset = locator.rpartition("-")
        if not cursor_id or not offset.isdigit():
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return _query_page(version, cursor_id, int(offset))

    def _query_page(version: str, cursor_id: str, offset: int) -> Response:
        store = current_store()
        with store.read() as conn:
            cursor = store.doc_get(conn, CURSORS, cursor_id)
            if cursor is None:
                return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            page_size = int(store.config()["query_page_size"])
            ids = cursor["ids"][offset: offset + page_size]
            records = [r for r in (store.doc_get(conn, cursor["obj"], i) for i in ids) if r is not None]
        set_record_count(len(records))
        body = {
            "totalSize": len(cursor["ids"]),
            "done": offset + page_size >= len(cursor["ids"]),
            "records": [_with_attributes(version, cursor["obj"], r, cursor["fields"]) for r in records],
        }
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor_id}-{offset + page_size}"
        return json_response(body)

    # -- Bulk API 2.0 ingest -----------------------------------------------------------------------
    def load_job(conn, job_id: str) -> dict | None:
        return current_store().doc_get(conn, JOBS, job_id)

    @app.post(f"{data}/jobs/ingest")
    def create_job(version):
        body = body_json()
        obj, op = body.get("object"), body.get("operation")
        if op not in ("insert", "upsert", "update", "delete", "hardDelete"):
            return sf_error(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {op}")
        if obj not in OBJECTS:
            return sf_error(400, "INVALIDJOB", f"InvalidJob : Object type '{obj}' is not supported")
        ext = body.get("externalIdFieldName")
        if op == "upsert" and ext not in OBJECTS[obj]["external_ids"]:
            return sf_error(400, "INVALIDJOB", f"InvalidJob : External ID field '{ext}' is not valid for {obj}")
        if body.get("contentType", "CSV") != "CSV":
            return sf_error(400, "INVALIDJOB", "InvalidJob : contentType must be CSV")
        store = current_store()
        with store.tx() as conn:
            job_id = _new_id(conn, "750", "job")
            now = _now()
            job = {
                "id": job_id, "operation": op, "object": obj, "createdById": "005DEMO000000001AAA",
                "createdDate": now, "systemModstamp": now, "state": "Open",
                "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(version[1:]),
                "jobType": "V2Ingest", "contentUrl": f"services/data/{version}/jobs/ingest/{job_id}/batches",
                "lineEnding": body.get("lineEnding", "LF"), "columnDelimiter": body.get("columnDelimiter", "COMMA"),
                "numberRecordsProcessed": 0, "numberRecordsFailed": 0, "retries": 0, "totalProcessingTime": 0,
                "apiActiveProcessingTime": 0, "apexProcessingTime": 0,
            }
            if ext:
                job["externalIdFieldName"] = ext
            store.doc_put(conn, JOBS, job_id, job)
        return json_response(_job_info(job))

    @app.get(f"{data}/jobs/ingest")
    def list_jobs(version):
        jobs = current_store().collections().get(JOBS, [])
        return json_response({"done": True, "records": [_job_info(j) for j in jobs], "nextRecordsUrl": None})

    @app.put(f"{data}/jobs/ingest/<job_id>/batches")
    def upload_batch(version, job_id):
        store = current_store()
        text = request.get_data().decode("utf-8")
        with store.tx() as conn:
            job = load_job(conn, job_id)
            if job is None:
                return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
            if job["state"] != "Open":
                return sf_error(409, "INVALIDJOBSTATE", f"InvalidJobState : job {job_id} is not Open")
            if job.get("data"):
                return sf_error(409, "INVALIDJOBSTATE", "InvalidJobState : data was already uploaded for this job")
            job["data"] = text
            store.doc_put(conn, JOBS, job_id, job)
        set_record_count(max(0, len([line for line in text.splitlines() if line.strip()]) - 1))
        return Response(status=201)

    @app.route(f"{data}/jobs/ingest/<job_id>", methods=["GET", "PATCH", "DELETE"])
    def job(version, job_id):
        store = current_store()
        failing, rejected = None, {}
        if request.method == "PATCH":
            wanted = (body_json() or {}).get("state")
            with store.read() as conn:
                job = load_job(conn, job_id)
            if wanted == "UploadComplete" and job is not None and job["state"] == "Open":
                failing, rejected = _job_faults(job)
        with store.tx() as conn:
            job = load_job(conn, job_id)
            if job is None:
                return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
            if request.method == "GET":
                return json_response(_job_info(job))
            if request.method == "DELETE":
                if job["state"] in ("Open", "UploadComplete", "InProgress"):
                    return sf_error(400, "INVALIDJOBSTATE", "InvalidJobState : an open job can't be deleted; abort it")
                store.doc_delete(conn, JOBS, job_id)
                return Response(status=204)
            if wanted == "Aborted":
                if job["state"] not in ("Open", "UploadComplete", "InProgress"):
                    return sf_error(400, "INVALIDJOBSTATE", f"InvalidJobState : job is {job['state']}")
                job["state"] = "Aborted"
            elif wanted == "UploadComplete":
                if job["state"] != "Open":
                    return sf_error(400, "INVALIDJOBSTATE", f"InvalidJobState : job is {job['state']}")
                started = time.time()
                _process_job(conn, job, failing, rejected)
                elapsed = int((time.time() - started) * 1000)
                job["totalProcessingTime"] = job["apiActiveProcessingTime"] = elapsed
                job["ready_at"] = time.time() + float(store.config()["bulk_processing_seconds"])
                set_record_count(job["numberRecordsProcessed"])
            else:
                return sf_error(400, "INVALIDJOBSTATE", f"InvalidJobState : can't move a job to {wanted!r}")
            job["systemModstamp"] = _now()
            store.doc_put(conn, JOBS, job_id, job)
            info = _job_info(job)
            if wanted == "UploadComplete":
                info["state"] = "UploadComplete"
            return json_response(info)

    @app.get(f"{data}/jobs/ingest/<job_id>/<kind>")
    def job_results(version, job_id, kind):
        store = current_store()
        with store.read() as conn:
            job = load_job(conn, job_id)
        if job is None:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        header = job.get("header") or []
        kind_l = kind.lower()
        if kind_l == "successfulresults":
            rows = job.get("successful", []) if _job_info(job)["state"] == "JobComplete" else []
            return _csv_response(["sf__Id", "sf__Created", *header], rows)
        if kind_l == "failedresults":
            rows = job.get("failed", []) if _job_info(job)["state"] == "JobComplete" else []
            return _csv_response(["sf__Id", "sf__Error", *header], rows)
        if kind_l == "unprocessedrecords":
            rows = job.get("unprocessed", [])
            if job["state"] in ("Open", "Aborted") and job.get("data"):
                parsed = list(csv.reader(io.StringIO(job["data"], newline="")))
                header, rows = (parsed[0], parsed[1:]) if parsed else ([], [])
            return _csv_response(header, rows)
        return sf_error(404, "NOT_FOUND", "The requested resource does not exist")

    return app
