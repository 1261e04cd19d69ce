"""Salesforce destination (edge contract: docs/contracts.md, "Salesforce"), through simple-salesforce 1.12.10.

Login: the OAuth token endpoint of the Airflow connection (``extra.token_url``, client credentials from
login/password), then ``Salesforce(session_id=..., instance_url=...)`` on a requests session that trusts
``extra.ca_bundle`` and ignores the environment. An expired session logs in again once per call.

Upserts by external id: composite collections (<= 200 records a call, per-record results) for small batches,
Bulk API 2.0 above the consumer's ``bulk_threshold``. Removes: composite delete by Id, Bulk 2.0 delete when large.
"""

from __future__ import annotations

import csv
import io
import logging

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceOperationError,
)

from top_items.activation.destinations import retry
from top_items.activation.destinations.base import Incremental, get_connection, register
from top_items.activation.errors import AuthError, BatchRejected, RetryLater
from top_items.activation.plan import REMOVE, Op, Outcome
from top_items.registry import Consumer

log = logging.getLogger(__name__)

MAX_COLLECTION = 200
BULK_POLL_SECONDS = 0.2
BULK_JOB_TIMEOUT_SECONDS = 900
GONE = ("ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND")  # a remove that already happened


class CountingSession(requests.Session):
    """Counts every HTTP call (retries and polling included), keeps the last response for its headers."""

    def __init__(self, verify, timeout: float):
        super().__init__()
        self.trust_env = False  # REQUESTS_CA_BUNDLE / proxies from the environment would win over verify=
        self.verify = verify
        self.default_timeout = timeout
        self.calls = 0
        self.last_response: requests.Response | None = None

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        self.calls += 1
        self.last_response = None
        response = super().request(method, url, *args, **kwargs)
        self.last_response = response
        return response


def _error_code(exc: SalesforceError) -> str | None:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode")
    return None


@register
class SalesforceDestination(Incremental):
    kind = "salesforce"
    removals = ("delete", "ignore")  # a Top_Item__c is a recommendation: when it is gone, the record goes

    def __init__(self, consumer: Consumer):
        super().__init__(consumer)
        self.conn_id = consumer.connection
        self.object, self.external_id = consumer.object, consumer.external_id
        self.policy = retry.Policy(consumer.retry_attempts, consumer.retry_base_seconds, consumer.retry_max_seconds)
        self.session: CountingSession | None = None
        self.sf: Salesforce | None = None
        self._use_bulk: dict[str, bool] = {}

    @property
    def api_calls(self) -> int:
        return self.session.calls if self.session is not None else 0

    # -- auth ---------------------------------------------------------------------------------------
    def connect(self) -> None:
        connection = get_connection(self.conn_id)
        extra = connection.extra_dejson
        self._token_url = extra.get("token_url") or f"{(connection.host or '').rstrip('/')}/services/oauth2/token"
        self._client_id, self._client_secret = connection.login, connection.password
        if not self._client_id or not self._client_secret:
            raise AuthError(f"Airflow connection {self.conn_id!r} has no client id (login) or client secret "
                            "(password) for the Salesforce OAuth token endpoint")
        self.session = CountingSession(extra.get("ca_bundle") or True, self.consumer.timeout_seconds)
        self._login()

    def _login(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret}

        def post():
            response = self.session.post(self._token_url, data=form)
            if response.status_code in retry.RETRY_STATUSES:
                raise RetryLater(f"token endpoint answered HTTP {response.status_code}",
                                      retry.server_delay(response.headers))
            return response

        response = self._retrying(post, "login")
        if response.status_code != 200:
            try:
                body = response.json()
                reason = f"{body.get('error')}: {body.get('error_description')}"
            except ValueError:
                reason = response.text[:200]
            raise AuthError(f"Salesforce refused the login of Airflow connection {self.conn_id!r} at "
                            f"{self._token_url} (HTTP {response.status_code}, {reason})")
        token = response.json()
        self.instance_url = token["instance_url"]
        self.sf = Salesforce(session_id=token["access_token"], instance_url=token["instance_url"],
                             session=self.session)
        self.location = f"{self.instance_url}/{self.object}"
        log.info("logged in to Salesforce %s with connection %r", self.instance_url, self.conn_id)

    # -- calls --------------------------------------------------------------------------------------
    def _classify(self, exc: BaseException) -> RetryLater | None:
        if isinstance(exc, RetryLater):
            return exc
        if isinstance(exc, requests.Timeout):
            return RetryLater(f"timed out ({type(exc).__name__})")
        if isinstance(exc, requests.ConnectionError):
            return RetryLater(f"connection failed ({type(exc).__name__})")
        headers = self.session.last_response.headers if self.session.last_response is not None else None
        if isinstance(exc, SalesforceError) and not isinstance(exc, SalesforceExpiredSession):
            code = _error_code(exc)
            if exc.status in retry.RETRY_STATUSES or (exc.status == 403 and code == "REQUEST_LIMIT_EXCEEDED"):
                return RetryLater(f"HTTP {exc.status} {code or ''}".strip(), retry.server_delay(headers))
            return None
        if isinstance(exc, SalesforceOperationError):  # a Bulk 2.0 job that failed as a whole
            return RetryLater(f"bulk job failed: {str(exc)[:200]}")
        return None

    def _retrying(self, fn, what: str):
        return retry.call(fn, self._classify, self.policy, what=f"salesforce {what} (connection {self.conn_id!r})")

    def _call(self, fn, what: str):
        """``fn`` uses ``self.sf``; a session that expired mid-sync is renewed once, then the call retried."""

        def attempt():
            try:
                return fn()
            except SalesforceExpiredSession:
                log.info("Salesforce session expired during %s; logging in again with connection %r", what,
                         self.conn_id)
                self._login()
                try:
                    return fn()
                except SalesforceExpiredSession as again:
                    raise AuthError(f"Salesforce rejects a fresh session of Airflow connection {self.conn_id!r} "
                                    f"({what})") from again

        return self._retrying(attempt, what)

    # -- the destination ----------------------------------------------------------------------------
    def batch_size(self, kind: str, total: int) -> int:
        """Composite batches (<= 200) for small plans; once a plan reaches ``bulk_threshold``, one Bulk 2.0 job for
        the whole plan (simple-salesforce splits a job's upload only past the API's 100 MB per file)."""
        self._use_bulk[kind] = self.consumer.bulk_threshold is not None and total >= self.consumer.bulk_threshold
        if self._use_bulk[kind]:
            return max(total, 1)
        return min(self.consumer.batch_size, MAX_COLLECTION)

    def _bulk(self):
        handler = getattr(self.sf.bulk2, self.object)
        handler._client.DEFAULT_WAIT_TIMEOUT_SECONDS = BULK_JOB_TIMEOUT_SECONDS
        return handler

    def upsert(self, ops: list[Op]) -> list[Outcome]:
        bulk = self._use_bulk.get("upsert") or len(ops) > MAX_COLLECTION
        return self._bulk_upsert(ops) if bulk else self._composite_upsert(ops)

    def _composite_upsert(self, ops: list[Op]) -> list[Outcome]:
        body = {"allOrNone": False,
                "records": [{"attributes": {"type": self.object}, **op.record} for op in ops]}
        path = f"composite/sobjects/{self.object}/{self.external_id}"
        try:
            results = self._call(lambda: self.sf.restful(path, method="PATCH", json=body), "composite upsert")
        except SalesforceMalformedRequest as exc:
            raise BatchRejected(f"composite upsert refused: {exc.content}", _error_code(exc)) from exc
        outcomes = []
        for op, result in zip(ops, results, strict=False):
            if result.get("success"):
                outcomes.append(Outcome(op, True, destination_id=result.get("id")))
            else:
                error = (result.get("errors") or [{}])[0]
                outcomes.append(Outcome(op, False, error_code=error.get("statusCode"), message=error.get("message")))
        return outcomes

    def _bulk_upsert(self, ops: list[Op]) -> list[Outcome]:
        records = [{field: _csv_value(value) for field, value in op.record.items()} for op in ops]

        def job():
            handler = self._bulk()
            jobs = handler.upsert(records=records, external_id_field=self.external_id, wait=BULK_POLL_SECONDS)
            ok, failed = {}, {}
            for info in jobs:
                for row in csv.DictReader(io.StringIO(handler.get_successful_records(info["job_id"]))):
                    ok[row[self.external_id]] = row["sf__Id"]
                for row in csv.DictReader(io.StringIO(handler.get_failed_records(info["job_id"]))):
                    failed[row[self.external_id]] = row["sf__Error"]
            return ok, failed

        ok, failed = self._call(job, f"bulk upsert of {len(ops)}")
        return [_bulk_outcome(op, op.key, ok, failed) for op in ops]

    def remove(self, ops: list[Op]) -> list[Outcome]:
        known = [op for op in ops if op.destination_id]
        outcomes = {id(op): Outcome(op, True) for op in ops if not op.destination_id}  # never reached Salesforce
        if known:
            bulk = self._use_bulk.get("remove") or len(known) > MAX_COLLECTION
            sent = self._bulk_delete(known) if bulk else self._composite_delete(known)
            outcomes.update({id(o.op): o for o in sent})
        return [outcomes[id(op)] for op in ops]

    def _composite_delete(self, ops: list[Op]) -> list[Outcome]:
        params = {"ids": ",".join(op.destination_id for op in ops), "allOrNone": "false"}
        try:
            results = self._call(lambda: self.sf.restful("composite/sobjects", method="DELETE", params=params),
                                 "composite delete")
        except SalesforceMalformedRequest as exc:
            raise BatchRejected(f"composite delete refused: {exc.content}", _error_code(exc)) from exc
        by_id = {r.get("id"): r for r in results}
        outcomes = []
        for op in ops:
            result = by_id.get(op.destination_id) or {}
            error = (result.get("errors") or [{}])[0]
            if result.get("success") or error.get("statusCode") in GONE:
                outcomes.append(Outcome(op, True))
            else:
                outcomes.append(Outcome(op, False, error_code=error.get("statusCode") or "MISSING_RESULT",
                                        message=error.get("message") or "no result for this id"))
        return outcomes

    def _bulk_delete(self, ops: list[Op]) -> list[Outcome]:
        records = [{"Id": op.destination_id} for op in ops]

        def job():
            handler = self._bulk()
            jobs = handler.delete(records=records, wait=BULK_POLL_SECONDS)
            ok, failed = {}, {}
            for info in jobs:
                for row in csv.DictReader(io.StringIO(handler.get_successful_records(info["job_id"]))):
                    ok[row["sf__Id"] or row.get("Id")] = row["sf__Id"]
                for row in csv.DictReader(io.StringIO(handler.get_failed_records(info["job_id"]))):
                    failed[row.get("Id") or row["sf__Id"]] = row["sf__Error"]
            return ok, failed

        ok, failed = self._call(job, f"bulk delete of {len(ops)}")
        outcomes = []
        for op in ops:
            outcome = _bulk_outcome(op, op.destination_id, ok, failed)
            if not outcome.ok and outcome.error_code in GONE:
                outcome = Outcome(op, True)
            outcomes.append(outcome)
        return outcomes

    def read_back(self) -> dict[str, dict]:
        fields = ", ".join(["Id", *[f for f in self.consumer.field_map.values() if f]])
        result = self._call(lambda: self.sf.query_all(f"SELECT {fields} FROM {self.object}"), "read back")
        return {r[self.external_id]: {"id": r["Id"], **{k: v for k, v in r.items() if k not in ("attributes", "Id")}}
                for r in result["records"]}

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _csv_value(value):
    if value is None:
        return "#N/A"  # Bulk 2.0: an empty cell leaves the field unchanged; #N/A sets it to null
    return value


def _bulk_outcome(op: Op, key: str, ok: dict, failed: dict) -> Outcome:
    if key in ok:
        return Outcome(op, True, destination_id=ok[key] if op.kind != REMOVE else None)
    if key in failed:
        code, _, message = failed[key].partition(":")
        return Outcome(op, False, error_code=code, message=message.rsplit(":", 1)[0])
    return Outcome(op, False, error_code="UNPROCESSED", message="not in the bulk job's results")
