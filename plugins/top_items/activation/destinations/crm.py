"""Marketing CRM destination (edge contract: docs/contracts.md, "CRM"), through hubspot-api-client.

``HubSpot(access_token=<connection password>, host=<connection host>, retry=<urllib3 Retry>)``: the Retry
also retries POST (batch calls are POSTs) on 429/5xx and dropped connections and sleeps for Retry-After;
it counts every attempt so ``api_calls`` is the number of real HTTP calls. A 207 is a normal response whose
``errors[i].context["ids"]`` name the rejected inputs. Batch archive takes HubSpot ids only: they come from the
upsert results (kept in ops.sync_state), or are looked up by ``store_id`` when unknown.
"""

from __future__ import annotations

import json
import logging

import urllib3
from hubspot import HubSpot
from hubspot.crm.companies import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
)
from hubspot.crm.companies.exceptions import ApiException

from top_items.activation.destinations import retry
from top_items.activation.destinations.base import Incremental, get_connection, register
from top_items.activation.errors import AuthError, BatchRejected, DestinationUnavailable, RetryLater
from top_items.activation.plan import Op, Outcome
from top_items.registry import Consumer

log = logging.getLogger(__name__)

MAX_BATCH = 100
OUTER_ATTEMPTS = 3  # after urllib3's own retries: wait out a spent rate-limit window (X-HubSpot-RateLimit-*)


def _body(exc: ApiException) -> dict:
    try:
        return json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        return {}


@register
class CrmDestination(Incremental):
    kind = "hubspot"
    # clear_fields: a company is the account's main record; "no recommendations today" empties its
    # top-items properties (consumers.yml clear_fields) and leaves the company alone.
    removals = ("archive", "clear_fields", "ignore")

    def __init__(self, consumer: Consumer):
        super().__init__(consumer)
        self.conn_id = consumer.connection
        self.id_property = consumer.external_id
        self.policy = retry.Policy(consumer.retry_attempts, consumer.retry_base_seconds, consumer.retry_max_seconds)
        self.counter = retry.CallCounter()
        self.calls = 0
        self.client: HubSpot | None = None

    @property
    def api_calls(self) -> int:
        return self.calls + self.counter.retries

    def connect(self) -> None:
        connection = get_connection(self.conn_id)
        if not connection.password:
            raise AuthError(f"Airflow connection {self.conn_id!r} has no access token (password)")
        if not connection.host:
            raise AuthError(f"Airflow connection {self.conn_id!r} has no host")
        self.client = HubSpot(access_token=connection.password, host=connection.host.rstrip("/"),
                              retry=retry.urllib3_retry(self.policy, self.counter))
        self.location = f"{connection.host.rstrip('/')}/crm/v3/objects/{self.consumer.object}"
        self._call(lambda t: self.client.crm.companies.basic_api.get_page(limit=1, _request_timeout=t),
                   "check credentials")

    def _call(self, fn, what: str):
        timeout = self.consumer.timeout_seconds

        def once():
            self.calls += 1
            return fn(timeout)

        def classify(exc):
            if isinstance(exc, ApiException) and exc.status == 429:
                return RetryLater("rate limited (HTTP 429)", retry.server_delay(exc.headers))
            return None

        try:
            return retry.call(once, classify, retry.Policy(OUTER_ATTEMPTS, self.policy.max_seconds / 4,
                                                           self.policy.max_seconds),
                              what=f"crm {what} (connection {self.conn_id!r})")
        except ApiException as exc:
            body = _body(exc)
            reason = f"HTTP {exc.status} {body.get('category', '')}: {body.get('message', exc.reason)}"
            if exc.status in (401, 403):
                raise AuthError(f"the CRM refused the access token of Airflow connection {self.conn_id!r} "
                                f"({what}: {reason})") from exc
            if exc.status in retry.RETRY_STATUSES:
                raise DestinationUnavailable(f"crm {what}: gave up after retries: {reason} "
                                             f"(connection {self.conn_id!r})") from exc
            if exc.status == 400:
                raise BatchRejected(f"crm {what}: {reason}", body.get("category")) from exc
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # MaxRetryError, timeouts, dropped connections
            raise DestinationUnavailable(f"crm {what}: {type(exc).__name__}: {exc} "
                                         f"(connection {self.conn_id!r})") from exc

    def batch_size(self, kind: str, total: int) -> int:
        return min(self.consumer.batch_size, MAX_BATCH)

    def upsert(self, ops: list[Op]) -> list[Outcome]:
        response = self._upsert({op.key: op.record for op in ops}, f"batch upsert of {len(ops)}")
        ids = {r.properties.get(self.id_property): r.id for r in response.results or []}
        errors = {}
        for error in getattr(response, "errors", None) or []:
            for key in (error.context or {}).get("ids", []):
                errors[str(key)] = error
        outcomes = []
        for op in ops:
            if op.key in errors:
                error = errors[op.key]
                outcomes.append(Outcome(op, False, error_code=error.category, message=error.message))
            elif op.key in ids:
                outcomes.append(Outcome(op, True, destination_id=ids[op.key]))
            else:
                outcomes.append(Outcome(op, False, error_code="MISSING_RESULT", message="no result for this input"))
        return outcomes

    def _upsert(self, records: dict[str, dict], what: str):
        body = BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
            SimplePublicObjectBatchInputUpsert(
                id_property=self.id_property, id=key,
                properties={k: _property(v) for k, v in record.items() if k != self.id_property})
            for key, record in records.items()])
        return self._call(lambda t: self.client.crm.companies.batch_api.upsert(body, _request_timeout=t), what)

    def _lookup_ids(self, keys: list[str]) -> dict[str, str]:
        body = BatchReadInputSimplePublicObjectId(id_property=self.id_property, properties=[self.id_property],
                                                  properties_with_history=[],
                                                  inputs=[SimplePublicObjectId(id=k) for k in keys])
        response = self._call(lambda t: self.client.crm.companies.batch_api.read(body, _request_timeout=t),
                              f"look up {len(keys)} ids")
        return {r.properties.get(self.id_property): r.id for r in response.results or []}

    def remove(self, ops: list[Op]) -> list[Outcome]:
        """Archive the companies, or empty their top-items properties; a company the CRM lacks is already gone."""
        ids = {op.key: op.destination_id for op in ops if op.destination_id}
        unknown = [op.key for op in ops if not op.destination_id]
        if unknown:
            ids.update(self._lookup_ids(unknown))
        if ids and self.consumer.on_remove == "archive":
            body = BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=i) for i in ids.values()])
            self._call(lambda t: self.client.crm.companies.batch_api.archive(body, _request_timeout=t),
                       f"batch archive of {len(ids)}")
        elif ids:  # clear_fields: upsert only companies that exist, so a removal never creates one
            cleared = dict.fromkeys(self.consumer.clear_fields)
            response = self._upsert({key: cleared for key in ids}, f"clear the fields of {len(ids)}")
            failed = {str(key): error for error in getattr(response, "errors", None) or []
                      for key in (error.context or {}).get("ids", [])}
            return [Outcome(op, False, error_code=failed[op.key].category, message=failed[op.key].message)
                    if op.key in failed else Outcome(op, True) for op in ops]
        return [Outcome(op, True) for op in ops]  # archive answers 204 for the batch; missing ids are no error

    def read_back(self) -> dict[str, dict]:
        """Every company that holds our recommendations: one that carries our stamp (a company we never
        pushed to, or whose fields were cleared, is not ours to reconcile)."""
        properties = [f for f in self.consumer.field_map.values() if f]
        ours = self.consumer.stamp_fields or self.consumer.clear_fields
        out, after = {}, None
        while True:
            page = self._call(lambda t, after=after: self.client.crm.companies.basic_api.get_page(
                limit=100, after=after, properties=properties, _request_timeout=t), "read back")
            for company in page.results:
                props = {k: company.properties.get(k) for k in properties}
                if not ours or any(props.get(f) for f in ours):
                    out[props[self.id_property]] = {"id": company.id, **props}
            if not page.paging or not page.paging.next:
                return out
            after = page.paging.next.after


def _property(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
