"""Hand the retailer app its daily file set in S3 (edge contract: docs/contracts.md, "Retailer app handoff").

A run folder per attempt holds JSON Lines parts and ``manifest.json``; ``_SUCCESS`` is written last with
``IfNoneMatch="*"``, then ``latest.json`` moves with ``IfMatch`` so two writers cannot both win. The app
only follows ``latest.json``, so a half-written run is never visible, and a backfill of an older day
never moves the pointer backwards (a take-back of a bad day does: a person chose that day).

The S3 handoff is a *snapshot* destination of the sync engine: it receives every record the engine planned
with, while the engine still plans adds/changes/removes against the last publication (the volume guard reads
them) and records them in ops.sync_runs and ops.sync_state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from tempfile import SpooledTemporaryFile

from botocore.exceptions import ClientError

from top_items import settings
from top_items.activation.destinations.base import Snapshot, register
from top_items.activation.plan import mapped_key

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
LATEST_KEY = f"{settings.RETAILER_APP_PREFIX}/latest.json"
MOVE_ATTEMPTS = 5


@dataclass
class Publication:
    feed_date: str
    run_id: str
    prefix: str
    row_count: int = 0
    files: list[dict] = field(default_factory=list)
    api_calls: int = 0
    latest_moved: bool = False
    latest_feed_date: str | None = None

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}manifest.json"


def run_folder_id(run_label: str, now: datetime | None = None) -> str:
    """Unique per attempt (a cleared task re-runs with the same Airflow run id), and safe in a key."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}_{re.sub(r'[^A-Za-z0-9._-]+', '-', run_label).strip('-')}"[:200]


@register
class RetailerAppDestination(Snapshot):
    kind = "s3"
    removals = ("delete",)  # a snapshot holds exactly what it was given

    def __init__(self, consumer, *, s3=None, bucket: str = settings.RETAILER_APP_BUCKET, part_rows: int = 50_000):
        super().__init__(consumer)
        self.s3, self.bucket, self.part_rows = s3, bucket, part_rows
        self.calls = 0

    @property
    def api_calls(self) -> int:
        return self.calls

    def connect(self) -> None:
        if self.s3 is None:
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            self.s3 = S3Hook(aws_conn_id=self.consumer.connection).get_conn()

    def publish(self, records: list[dict], feed_date: str, run_label: str, *, roll_back: bool = False) -> int:
        run_id = run_folder_id(run_label)
        pub = Publication(feed_date, run_id, f"{settings.RETAILER_APP_PREFIX}/feed_date={feed_date}/run={run_id}/")
        self.location = f"s3://{self.bucket}/{pub.prefix}"
        try:
            _publish(self.s3, self.bucket, self.part_rows, records, pub, run_label, roll_back=roll_back)
        finally:
            self.calls += pub.api_calls
        return pub.row_count

    def read_back(self) -> dict[str, dict]:
        """The records of the run ``latest.json`` points at, as the app reads them."""
        pointer, _ = read_latest(self.s3, self.bucket)
        self.calls += 1
        if pointer is None:
            return {}
        manifest = json.loads(self.s3.get_object(Bucket=self.bucket, Key=pointer["manifest"])["Body"].read())
        out = {}
        for part in manifest["files"]:
            body = self.s3.get_object(Bucket=self.bucket, Key=part["key"])["Body"].read()
            self.calls += 1
            for line in body.decode().splitlines():
                record = json.loads(line)
                out[mapped_key(self.consumer, record)] = {"id": part["key"], **record}
        return out


def _publish(s3, bucket: str, part_rows: int, records: list[dict], pub: Publication, run_label: str, *,
             roll_back: bool = False) -> None:
    started = time.monotonic()
    part = _Part(len(pub.files))
    for record in records:
        part.write(record)
        if part.rows >= part_rows:
            _upload(s3, bucket, pub, part)
            part = _Part(len(pub.files))
    if part.rows:
        _upload(s3, bucket, pub, part)
    manifest = {"feed_date": pub.feed_date, "run_id": pub.run_id, "schema_version": SCHEMA_VERSION,
                "row_count": pub.row_count, "files": pub.files, "airflow_run_id": run_label,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
    _put_new(s3, bucket, pub.manifest_key, json.dumps(manifest, indent=2).encode(), pub)
    _put_new(s3, bucket, f"{pub.prefix}_SUCCESS", b"", pub)
    _move_latest(s3, bucket, pub, roll_back=roll_back)
    log.info("published %d stores in %d part(s) to s3://%s/%s in %.1fs; latest.json %s", pub.row_count,
             len(pub.files), bucket, pub.prefix, time.monotonic() - started,
             "moved" if pub.latest_moved else f"stays at {pub.latest_feed_date} (newer than {pub.feed_date})")


class _Part:
    def __init__(self, index: int):
        self.index, self.rows = index, 0
        self.body = SpooledTemporaryFile(max_size=16 << 20)
        self.digest = hashlib.sha256()

    def write(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self.body.write(line)
        self.digest.update(line)
        self.rows += 1


def _upload(s3, bucket: str, pub: Publication, part: _Part) -> None:
    key = f"{pub.prefix}part-{part.index:05d}.jsonl"
    part.body.seek(0)
    s3.put_object(Bucket=bucket, Key=key, Body=part.body.read(), ContentType="application/x-ndjson",
                  IfNoneMatch="*")
    part.body.close()
    pub.api_calls += 1
    pub.files.append({"key": key, "row_count": part.rows, "sha256": part.digest.hexdigest()})
    pub.row_count += part.rows


def _put_new(s3, bucket: str, key: str, body: bytes, pub: Publication) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*")
    pub.api_calls += 1


def read_latest(s3, bucket: str) -> tuple[dict | None, str | None]:
    try:
        response = s3.get_object(Bucket=bucket, Key=LATEST_KEY)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None, None
        raise
    return json.loads(response["Body"].read()), response["ETag"]


def _move_latest(s3, bucket: str, pub: Publication, *, roll_back: bool = False) -> None:
    pointer = {"feed_date": pub.feed_date, "run_id": pub.run_id, "manifest": pub.manifest_key}
    for _ in range(MOVE_ATTEMPTS):
        current, etag = read_latest(s3, bucket)
        pub.api_calls += 1
        if current and current["feed_date"] > pub.feed_date and not roll_back:
            pub.latest_feed_date = current["feed_date"]
            return
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            s3.put_object(Bucket=bucket, Key=LATEST_KEY, Body=json.dumps(pointer).encode(),
                          ContentType="application/json", **condition)
            pub.api_calls += 1
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict", "412"):
                log.info("latest.json changed while moving it; reading it again")
                continue
            raise
        pub.latest_moved, pub.latest_feed_date = True, pub.feed_date
        return
    raise RuntimeError(f"could not move {LATEST_KEY} after {MOVE_ATTEMPTS} attempts: too many concurrent writers")
