"""Landing objects: the header check every file passes first, and the read-ahead fetcher that feeds COPY."""

from __future__ import annotations

import hashlib
import io
import threading
import time

import pytest

from top_items.ingest.objects import FetchedObject, prefetched

FEED_HEADER = ["store_id", "sku_id", "remaining_qty", "reported_at"]


def fetched(body: bytes) -> FetchedObject:
    return FetchedObject(key="k.csv", size=len(body), sha256="", body=io.BytesIO(body))


@pytest.mark.parametrize("body", [
    b"store_id,sku_id,remaining_qty,reported_at\nS1,K1,3,2026-12-01T06:00:00-05:00\n",
    b"\xef\xbb\xbfstore_id,sku_id,remaining_qty,reported_at\nS1,K1,3,2026-12-01T06:00:00-05:00\n",
    b"store_id,sku_id,remaining_qty,reported_at\r\nS1,K1,3,2026-12-01T06:00:00-05:00\r\n",
    b'"store_id","sku_id","remaining_qty","reported_at"\nS1,K1,3,2026-12-01T06:00:00-05:00\n',
    b"store_id, sku_id ,remaining_qty,reported_at\nS1,K1,3,2026-12-01T06:00:00-05:00\n",
], ids=["plain", "bom", "crlf", "quoted", "spaces"])
def test_read_header_returns_the_column_names_and_leaves_the_body_at_the_data(body):
    obj = fetched(body)
    assert obj.read_header() == FEED_HEADER
    assert obj.body.read().startswith(b"S1,K1,3,")


def test_read_header_of_a_header_only_file_leaves_nothing_to_copy():
    obj = fetched(b"store_id,sku_id,remaining_qty,reported_at\n")
    assert obj.read_header() == FEED_HEADER
    assert obj.body.read() == b""


def test_read_header_of_an_empty_file_is_none():
    assert fetched(b"").read_header() is None


class StreamingBody:
    """Just enough of botocore's StreamingBody: iter_chunks in pieces smaller than asked, as a network read may."""

    def __init__(self, data: bytes, piece: int = 7):
        self.data, self.piece = data, piece

    def iter_chunks(self, chunk_size: int):
        for start in range(0, len(self.data), min(chunk_size, self.piece)):
            yield self.data[start:start + min(chunk_size, self.piece)]


class FakeS3:
    """get_object over a dict; earlier keys answer more slowly, so downloads finish out of order."""

    def __init__(self, objects: dict[str, bytes], bucket: str = "landing"):
        self.objects, self.bucket = objects, bucket
        self.requested: list[str] = []
        self.lock = threading.Lock()

    def get_object(self, Bucket: str, Key: str) -> dict:
        assert Bucket == self.bucket
        with self.lock:
            self.requested.append(Key)
        time.sleep(0.002 * (len(self.objects) - sorted(self.objects).index(Key)))
        return {"Body": StreamingBody(self.objects[Key])}


OBJECTS = {f"inventory/feed_date=2026-12-01/store_id=S{index:04d}.csv": f"store_id\n{'S' * index * 11}\n".encode()
           for index in range(1, 10)}


@pytest.mark.parametrize("depth", [1, 4, 20])
def test_prefetched_yields_objects_in_key_order_whatever_finishes_first(depth):
    keys = sorted(OBJECTS)
    s3 = FakeS3(OBJECTS)
    assert [obj.key for obj in prefetched(s3, "landing", keys, depth=depth)] == keys
    assert sorted(s3.requested) == keys  # each object fetched exactly once


def test_prefetched_objects_carry_their_size_checksum_and_whole_body():
    for obj in prefetched(FakeS3(OBJECTS), "landing", sorted(OBJECTS), depth=3):
        data = OBJECTS[obj.key]
        assert (obj.size, obj.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert b"".join(obj.chunks()) == data
        obj.close()


def test_prefetched_of_no_keys_yields_nothing():
    assert list(prefetched(FakeS3({}), "landing", [])) == []
