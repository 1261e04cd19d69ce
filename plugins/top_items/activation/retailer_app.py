"""Hand the retailer app its daily file set in S3 (edge contract: DESIGN.md, "Retailer app (S3)").

A run folder per attempt holds JSON Lines parts and ``manifest.json``; ``_SUCCESS`` is written last with
``IfNoneMatch="*"``, then ``latest.json`` moves with ``IfMatch`` so two writers cannot both win. The app
only follows ``latest.json``, so a half-written run is never visible, and a backfill of an older day
never moves the pointer backwards.

The S3 handoff is a *snapshot* destination of the sync engine (engine.py): it always receives the full export,
while the engine still plans adds/changes/removes against the last publication and records them in
ops.sync_runs (the volume guard reads them) and ops.sync_state.
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
from top_items.activation.base import Destination, SyncError
from top_items.activation.plan import map_row
from top_items.registry import consumer

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CONSUMER = "retailer_app"
LATEST_KEY = f"{settings.RETAILER_APP_PREFIX}/latest.json"
MOVE_ATTEMPTS = 5


class EmptyExportError(SyncError):
    pass


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


class RetailerAppDestination(Destination):
    name = "s3"
    snapshot = True

    def __init__(self, s3, feed_date: str, run_label: str, *, bucket: str = settings.RETAILER_APP_BUCKET,
                 part_rows: int = 50_000):
        self.s3, self.feed_date, self.run_label = s3, feed_date, run_label
        self.bucket, self.part_rows = bucket, part_rows
        self.publication: Publication | None = None

    @property
    def api_calls(self) -> int:
        return self.publication.api_calls if self.publication else 0

    def publish(self, conn, rows, plan) -> int:
        self.publication = Publication(self.feed_date, "", "")
        _publish(self.s3, self.feed_date, self.run_label, self.bucket, self.part_rows, rows, self.publication)
        self.location = f"s3://{self.bucket}/{self.publication.prefix}"
        return self.publication.row_count


def _publish(s3, feed_date: str, run_label: str, bucket: str, part_rows: int, rows, pub: Publication) -> None:
    run_id = run_folder_id(run_label)
    pub.run_id, pub.prefix = run_id, f"{settings.RETAILER_APP_PREFIX}/feed_date={feed_date}/run={run_id}/"
    started = time.monotonic()
    part = _Part(len(pub.files))
    spec = consumer(CONSUMER)
    for row in rows:
        part.write(map_row(spec, row))
        if part.rows >= part_rows:
            _upload(s3, bucket, pub, part)
            part = _Part(len(pub.files))
    if part.rows:
        _upload(s3, bucket, pub, part)
    if pub.row_count == 0:
        raise EmptyExportError(f"{spec.export} has no rows for {feed_date}: nothing published, "
                               f"{LATEST_KEY} unchanged")
    manifest = {"feed_date": feed_date, "run_id": run_id, "schema_version": SCHEMA_VERSION,
                "row_count": pub.row_count, "files": pub.files, "airflow_run_id": run_label,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
    _put_new(s3, bucket, pub.manifest_key, json.dumps(manifest, indent=2).encode(), pub)
    _put_new(s3, bucket, f"{pub.prefix}_SUCCESS", b"", pub)
    _move_latest(s3, bucket, pub)
    log.info("published %d stores in %d part(s) to s3://%s/%s in %.1fs; latest.json %s", pub.row_count,
             len(pub.files), bucket, pub.prefix, time.monotonic() - started,
             "moved" if pub.latest_moved else f"stays at {pub.latest_feed_date} (newer than {feed_date})")


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


def _move_latest(s3, bucket: str, pub: Publication) -> None:
    pointer = {"feed_date": pub.feed_date, "run_id": pub.run_id, "manifest": pub.manifest_key}
    for _ in range(MOVE_ATTEMPTS):
        current, etag = read_latest(s3, bucket)
        pub.api_calls += 1
        if current and current["feed_date"] > pub.feed_date:
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
