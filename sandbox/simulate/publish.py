"""Write one simulated day into the landing bucket, as the stores and the sync tool would."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sandbox.simulate.catalog import Catalog, WorldSpec
from sandbox.simulate.files import day_files
from top_items import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayWritten:
    feed_date: str
    files: int
    feed_files: int
    bytes: int


def write_day(s3, spec: WorldSpec, feed_date: date, bucket: str = settings.LANDING_BUCKET) -> DayWritten:
    catalog = Catalog(spec)
    clear_day(s3, bucket, settings.feed_prefix(feed_date.isoformat()))
    files = feeds = size = 0
    for key, body in day_files(catalog, feed_date):
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")
        files += 1
        feeds += key.startswith(settings.FEED_PREFIX + "/")
        size += len(body)
    log.info("wrote %d files (%d feeds, %.1f MB) for %s to s3://%s/", files, feeds, size / 1e6, feed_date, bucket)
    return DayWritten(feed_date.isoformat(), files, feeds, size)


def clear_day(s3, bucket: str, prefix: str) -> None:
    """A re-simulated day replaces the old one, including stores whose feed no longer arrives."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def write_source_files(feed_date: str, **knobs) -> dict:
    """The simulator DAG's task: day ``feed_date`` of the world ``WorldSpec(**knobs)``, through the aws connection."""
    from dataclasses import asdict

    from top_items.connections import s3_client

    return asdict(write_day(s3_client(), WorldSpec(**knobs), date.fromisoformat(feed_date)))
