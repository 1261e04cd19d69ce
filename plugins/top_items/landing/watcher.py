"""The asset the landing queue's watcher updates, and the assets landings are announced on.

The queue's URL is an Airflow variable (``settings.LANDING_QUEUE_URL_VARIABLE``), read at parse time from the
environment like the connections in ``top_items/assets.py``: no database, no network. Unset, it is
``UNSET_QUEUE_URL``, so a DAG file still parses and the triggerer's log says which queue it could not reach.
"""

from __future__ import annotations

import os

from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
from airflow.sdk import Asset, AssetWatcher

from top_items import settings
from top_items.landing.events import FEED, REFERENCE

# Seconds the trigger waits between two empty polls (the provider's default is a minute). A poll is up to
# BATCHES receives of up to MAX_MESSAGES each (SQS's largest), without waiting on an empty queue: Airflow 3.3
# restarts a watcher's trigger after each event, about two seconds, so an event of one receive's ten messages would
# hold a day of 10,000 files back for half an hour. A landing is seen within a few seconds; an idle queue costs
# BATCHES SQS calls a poll, and nothing on S3.
POLL_SECONDS = 5
RECEIVE_WAIT_SECONDS = 0
MAX_MESSAGES = 10
BATCHES = 10
UNSET_QUEUE_URL = f"https://{settings.LANDING_QUEUE}.invalid"


def queue_url() -> str:
    return os.environ.get(f"AIRFLOW_VAR_{settings.LANDING_QUEUE_URL_VARIABLE.upper()}", "").strip() \
        or UNSET_QUEUE_URL


def trigger() -> MessageQueueTrigger:
    return MessageQueueTrigger(scheme="sqs", sqs_queue=queue_url(), aws_conn_id=settings.AWS_CONN_ID,
                               waiter_delay=POLL_SECONDS, wait_time_seconds=RECEIVE_WAIT_SECONDS,
                               max_messages=MAX_MESSAGES, num_batches=BATCHES)


# Each watcher event carries the batch of SQS messages it received and no partition key.
LANDING_EVENTS = Asset(name="landing_events", uri=f"sqs://{settings.LANDING_QUEUE}",
                       watchers=[AssetWatcher(name="landing_queue", trigger=trigger())])

# One event per day that something new landed for, its partition key the day (feed date or snapshot date).
LANDED = {FEED: Asset(name="landed_feeds", uri=f"s3://{settings.LANDING_BUCKET}/{settings.FEED_PREFIX}/landed"),
          REFERENCE: Asset(name="landed_reference_snapshots",
                           uri=f"s3://{settings.LANDING_BUCKET}/{settings.REFERENCE_PREFIX}/landed")}

# One event per feed date the landing side decided to run (top_items/landing/days.py: ready, or a late feed's
# re-run), its partition key the day: what the pipeline is scheduled on.
READY = Asset(name="ready_feed_dates", uri=f"s3://{settings.LANDING_BUCKET}/{settings.FEED_PREFIX}/ready")
