"""The landing bucket announces what lands under its feed and reference prefixes on the landing queue (moto's
server, as the world starts it)."""

from __future__ import annotations

import os

import pytest

from sandbox.world import landing_events, stack
from tests.support import landing_queue
from tests.support.landing import D, put, put_reference
from tests.support.session import SESSION_DIR
from top_items import settings
from top_items.landing import events


@pytest.fixture
def sqs(world, s3):
    return stack.sqs_client(world)  # the s3 fixture left the queue empty


def landed(sqs, world) -> list[events.Landing]:
    return [landing for message in landing_queue.receive(sqs, landing_queue.url(world))
            for landing in events.parse(message["Body"])]


def test_a_feed_and_a_snapshot_land_on_the_queue_and_other_keys_do_not(world, s3, sqs):
    put(s3, settings.feed_key(D, "S0001"), "store_id,sku_id,remaining_qty,reported_at\n")
    put_reference(s3, "2026-11-20")
    put(s3, "notes/readme.txt", "not a landing")

    found = sorted((landing.kind, landing.day, landing.key) for landing in landed(sqs, world))
    assert found == [("feed", D, settings.feed_key(D, "S0001")),
                     *sorted(("reference", "2026-11-20", settings.reference_key(table, "2026-11-20"))
                             for table in settings.REFERENCE_TABLES)]


def test_making_the_buckets_again_changes_nothing_and_sends_no_test_event(world, s3, sqs):
    before = s3.get_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET)["QueueConfigurations"]
    assert landing_events.ensure(s3, sqs) == landing_queue.url(world)
    stack.create_buckets(s3, sqs)
    assert s3.get_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET)["QueueConfigurations"] == before
    assert landing_queue.receive(sqs, landing_queue.url(world), wait=1) == []


def test_the_watcher_is_told_the_queue_the_world_made(world):
    assert os.environ[f"AIRFLOW_VAR_{settings.LANDING_QUEUE_URL_VARIABLE.upper()}"] == landing_queue.url(world)


@pytest.fixture
def persistent_dir():
    path = SESSION_DIR / "persistent-landing-world"
    yield path
    stack.down(path)


def test_a_restart_keeps_the_queue_and_notifications_and_replays_no_landing(persistent_dir):
    def up():
        return stack.up(persistent_dir, warehouse_uri=os.environ.get("WAREHOUSE_URI") or None, with_mocks=False,
                        persistent=True)

    world = up()
    s3, sqs = stack.s3_client(world), stack.sqs_client(world)
    put(s3, settings.feed_key(D, "S0001"), "a feed that landed before the restart\n")
    assert [landing.key for landing in landed(sqs, world)] == [settings.feed_key(D, "S0001")]

    stack.down(persistent_dir)
    world = up()  # a new moto server: the object is put back before the notifications are configured
    s3, sqs = stack.s3_client(world), stack.sqs_client(world)
    assert s3.get_object(Bucket=settings.LANDING_BUCKET, Key=settings.feed_key(D, "S0001"))["Body"].read()
    assert landed(sqs, world) == []  # S3's test event is skipped; the restored object is not a new landing
    put(s3, settings.feed_key(D, "S0002"), "a feed that lands after it\n")
    assert [landing.key for landing in landed(sqs, world)] == [settings.feed_key(D, "S0002")]


def test_the_buckets_command_makes_the_queue_and_the_notifications(world, s3, sqs, capsys):
    from sandbox.cli import main

    s3.put_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET, NotificationConfiguration={})
    assert main(["buckets"]) == 0
    assert settings.LANDING_QUEUE in capsys.readouterr().out
    configured = s3.get_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET)["QueueConfigurations"]
    assert sorted(c["Filter"]["Key"]["FilterRules"][0]["Value"] for c in configured) == \
        sorted(f"{prefix}/" for prefix in settings.LANDING_PREFIXES)
