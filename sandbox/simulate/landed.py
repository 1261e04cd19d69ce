"""The landing bucket's files as rows: what a misbehaving producer reads and writes back (the fuzzer, the tests)."""

from __future__ import annotations

import csv
import io

from top_items import settings

Rows = list[list[str]]


def read(s3, key: str) -> tuple[list[str], Rows]:
    header, *rows = list(csv.reader(io.StringIO(
        s3.get_object(Bucket=settings.LANDING_BUCKET, Key=key)["Body"].read().decode())))
    return header, rows


def write(s3, key: str, header: list[str], rows: Rows) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    s3.put_object(Bucket=settings.LANDING_BUCKET, Key=key, Body=out.getvalue().encode())


def delete(s3, keys: list[str]) -> None:
    if keys:
        s3.delete_objects(Bucket=settings.LANDING_BUCKET, Delete={"Objects": [{"Key": key} for key in keys]})


def feed_keys(s3, feed_date: str) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.LANDING_BUCKET,
                                                            Prefix=settings.feed_prefix(feed_date)):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return sorted(keys)
