"""A persistent world (``make up``) behaves like a real one across ``make down`` / ``make up``."""

from __future__ import annotations

import json
import os

import pytest
from botocore.exceptions import ClientError

from sandbox.world import s3_server, stack
from tests.support.session import SESSION_DIR
from top_items import settings
from top_items.activation.destinations.retailer_app import LATEST_KEY, read_latest


@pytest.fixture
def world_dir():
    path = SESSION_DIR / "persistent-world"
    yield path
    stack.down(path)


def _up(path):
    return stack.up(path, warehouse_uri=os.environ.get("WAREHOUSE_URI") or None, with_mocks=False, persistent=True)


def test_the_handoff_survives_a_restart_and_latest_keeps_its_etag(world_dir):
    world = _up(world_dir)
    s3 = stack.s3_client(world)
    bucket = settings.RETAILER_APP_BUCKET
    manifest = "top-items/feed_date=2026-11-25/run=r1/manifest.json"
    s3.put_object(Bucket=bucket, Key=manifest, Body=b'{"row_count": 39}')
    s3.put_object(Bucket=bucket, Key=LATEST_KEY, IfNoneMatch="*",
                  Body=json.dumps({"feed_date": "2026-11-25", "run_id": "r1", "manifest": manifest}).encode())
    pointer, etag = read_latest(s3, bucket)

    stack.down(world_dir)
    assert (world_dir / stack.S3_STATE / s3_server.OBJECTS / bucket / LATEST_KEY).is_file()
    restarted = _up(world_dir)  # a new moto server, empty until the copy is put back

    s3 = stack.s3_client(restarted)
    assert read_latest(s3, bucket) == (pointer, etag)
    assert json.loads(s3.get_object(Bucket=bucket, Key=manifest)["Body"].read()) == {"row_count": 39}
    with pytest.raises(ClientError):  # a run folder's objects are written once: still there, so refused
        s3.put_object(Bucket=bucket, Key=manifest, Body=b"{}", IfNoneMatch="*")
    s3.put_object(Bucket=bucket, Key=LATEST_KEY, Body=b"{}", IfMatch=etag)  # the app's move of latest.json


def test_a_persistent_world_keeps_airflow_metadata_in_its_postgres(world_dir):
    world = _up(world_dir)
    uri = world.environment()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert uri.startswith("postgresql+psycopg2://") and uri.endswith(f"/{stack.METADATA_DATABASE}")
    import psycopg

    with psycopg.connect(world.warehouse_uri.rsplit("/", 1)[0] + f"/{stack.METADATA_DATABASE}") as conn:
        assert conn.execute("select 1").fetchone() == (1,)
