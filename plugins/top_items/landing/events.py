"""An S3 event notification, as SQS delivers it, read into the objects it says landed.

A message holds a list of records (S3 sends one per message today; the format allows more). S3's test event
(sent when a bucket's notification configuration is written) and objects outside the feed and reference layouts
are skipped with a log line: they land nothing the pipeline reads.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from top_items import settings

log = logging.getLogger(__name__)

FEED = "feed"
REFERENCE = "reference"
TEST_EVENT = "s3:TestEvent"
_DATE = r"(\d{4}-\d{2}-\d{2})"
FEED_KEY = re.compile(rf"{re.escape(settings.FEED_PREFIX)}/feed_date={_DATE}/{settings.FEED_FILE_NAME.pattern}")
REFERENCE_KEY = re.compile(rf"{re.escape(settings.REFERENCE_PREFIX)}/([^/]+)/snapshot_date={_DATE}/([^/]+)\.csv")


@dataclass(frozen=True)
class Landing:
    bucket: str
    key: str
    etag: str
    size: int
    event_time: str  # ISO 8601, as S3 wrote it
    kind: str  # FEED or REFERENCE
    day: str  # the feed date of a feed, the snapshot date of a reference snapshot
    sequencer: str | None  # S3's order of events on one key; absent from some emulators
    store_id: str | None = None  # the store a feed reports for


def classify(key: str) -> tuple[str, str] | None:
    """(kind, day) of an object key in the landing layout, or None."""
    if match := FEED_KEY.fullmatch(key):
        return FEED, match.group(1)
    match = REFERENCE_KEY.fullmatch(key)
    if match and match.group(1) == match.group(3) and match.group(1) in settings.REFERENCE_TABLES:
        return REFERENCE, match.group(2)
    return None


def parse(body: str) -> list[Landing]:
    """The landings one SQS message body announces."""
    message = json.loads(body)
    if message.get("Event") == TEST_EVENT:
        log.info("skipped S3's test event for bucket %s", message.get("Bucket"))
        return []
    landings = []
    for record in message.get("Records", []):
        if not record.get("eventName", "").startswith("ObjectCreated:"):
            log.info("skipped a %s event", record.get("eventName"))
            continue
        obj = record["s3"]["object"]
        key = unquote_plus(obj["key"])  # S3 URL-encodes keys in event notifications
        found = classify(key)
        if found is None:
            log.warning("skipped %s: not a feed or reference snapshot key", key)
            continue
        kind, day = found
        landings.append(Landing(bucket=record["s3"]["bucket"]["name"], key=key, etag=obj.get("eTag", ""),
                                size=int(obj.get("size", 0)), event_time=record["eventTime"], kind=kind, day=day,
                                sequencer=obj.get("sequencer"),
                                store_id=settings.feed_store_id(day, key) if kind == FEED else None))
    return landings


def from_batches(batches) -> list[Landing]:
    """The landings in the SQS message batches the watcher delivered (each a list of SQS messages)."""
    return [landing for batch in batches for message in batch for landing in parse(message["Body"])]
