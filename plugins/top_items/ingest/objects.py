"""Fetch landing objects ahead of the loader, with bounded memory, and check each file's header."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import BinaryIO

CHUNK = 1 << 20
SPOOL_IN_MEMORY = 8 << 20  # larger objects spill to a temp file: memory stays flat whatever the file size
MAX_HEADER_BYTES = 64 << 10
# Leading bytes of the compressed and binary formats a producer may send by mistake (a text file has none).
MAGIC_NUMBERS = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz",
                 b"\x28\xb5\x2f\xfd": "zstd", b"PAR1": "parquet", b"\x89PNG": "png", b"%PDF": "pdf"}
SNIFF_BYTES = 4096


@dataclass
class ObjectLoad:
    """What became of one landed object: its ops.load_audit row."""

    source_file: str
    checksum_sha256: str
    bytes: int
    status: str = "loaded"
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    actual_columns: list[str] | None = None

    def reject(self, error: str) -> ObjectLoad:
        """Refused whole, with the reason."""
        self.status, self.error = "rejected", error
        return self


def rejected(loads: Iterable[ObjectLoad]) -> list[ObjectLoad]:
    return [load for load in loads if load.status == "rejected"]


def rejected_report(loads: Iterable[ObjectLoad], what: str, feed_date: str) -> str:
    """Why a day's task fails after the others loaded: each object refused whole, with its reason."""
    refused = rejected(loads)
    return (f"{len(refused)} {what}(s) for {feed_date} rejected whole; the others loaded:\n"
            + "\n".join(f"  {load.source_file}: {load.error}" for load in refused))


def audit(conn, loads: Iterable[ObjectLoad], *, run_id: str | None, dataset: str, feed_date: str,
          expected_columns: Iterable[str]) -> None:
    """Write each object's ops.load_audit row."""
    expected = list(expected_columns)
    with conn.cursor() as cur:
        cur.executemany("""
            insert into ops.load_audit (run_id, dataset, feed_date, source_file, checksum_sha256, bytes, rows_in,
                                        rows_loaded, rows_quarantined, status, error, expected_columns, actual_columns)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            [(run_id, dataset, feed_date, load.source_file, load.checksum_sha256, load.bytes, load.rows_in,
              load.rows_loaded, load.rows_quarantined, load.status, load.error, expected, load.actual_columns)
             for load in loads])


@dataclass
class FetchedObject:
    key: str
    size: int
    sha256: str
    body: BinaryIO

    def binary_kind(self) -> str | None:
        """What kind of binary object this is ('gzip', 'binary (NUL bytes)', ...), or None for text."""
        head = self.body.read(SNIFF_BYTES)
        self.body.seek(0)
        for magic, kind in MAGIC_NUMBERS.items():
            if head.startswith(magic):
                return kind
        if b"\x00" in head.split(b"\n", 1)[0]:
            return "binary (NUL bytes in its first line)"
        return None

    def read_header(self) -> list[str] | None:
        """The header's column names, or None for an empty file. Leaves body positioned at the first data line."""
        line = self.body.readline(MAX_HEADER_BYTES)
        if not line:
            return None
        text = line.decode("utf-8-sig", errors="replace").rstrip("\r\n")
        return [name.strip().strip('"') for name in text.split(",")]

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.body.read(CHUNK):
            yield chunk

    def close(self) -> None:
        self.body.close()


def fetch(s3, bucket: str, key: str) -> FetchedObject:
    response = s3.get_object(Bucket=bucket, Key=key)
    digest = hashlib.sha256()
    spool = SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    size = 0
    for chunk in response["Body"].iter_chunks(CHUNK):
        digest.update(chunk)
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    return FetchedObject(key=key, size=size, sha256=digest.hexdigest(), body=spool)


def prefetched(s3, bucket: str, keys: Iterable[str], depth: int = 4) -> Iterator[FetchedObject]:
    """Yield objects in order while up to ``depth`` downloads run ahead on threads."""
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="fetch") as pool:
        pending: deque = deque()
        for key in keys:
            pending.append(pool.submit(fetch, s3, bucket, key))
            if len(pending) >= depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def list_keys(s3, bucket: str, prefix: str, suffix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(suffix)]
    return sorted(keys)


def list_partitions(s3, bucket: str, prefix: str) -> list[str]:
    """The ``name=value/`` folders directly under prefix."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        found += [item["Prefix"] for item in page.get("CommonPrefixes", [])]
    return sorted(found)
