"""The landing bucket's event notifications: every object created under a landing prefix is announced on one SQS
queue, as S3 does for a real bucket (docs/landing.md).

moto keeps the queue and the bucket's notification configuration in memory only, so ``up`` (and ``python -m
sandbox buckets``) makes them again each time. A persistent world's S3 server puts its saved objects back before
this runs (``s3_server.py``), so a restored object is never announced as a new landing.
"""

from __future__ import annotations

from top_items import settings

MOTO_ACCOUNT = "123456789012"  # the account moto files every resource under


def queue_url(endpoint: str) -> str:
    """The landing queue's URL on moto's server at ``endpoint`` (the same URL moto answers ``create_queue`` with)."""
    return f"{endpoint}/{MOTO_ACCOUNT}/{settings.LANDING_QUEUE}"


def notification_configuration(queue_arn: str) -> dict:
    """One queue configuration per landing prefix: S3 allows one prefix filter per configuration."""
    return {"QueueConfigurations": [
        {"Id": f"{prefix}-landed", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": f"{prefix}/"}]}}}
        for prefix in settings.LANDING_PREFIXES]}


def ensure(s3, sqs) -> str:
    """Create the landing queue and point the landing bucket's notifications at it, if not so already; its URL."""
    url = sqs.create_queue(QueueName=settings.LANDING_QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    wanted = notification_configuration(arn)
    current = s3.get_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET)
    # S3 sends a test event each time the configuration is written: write it only when it changes
    if current.get("QueueConfigurations") != wanted["QueueConfigurations"]:
        s3.put_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET, NotificationConfiguration=wanted)
    return url


def drain(sqs, url: str, wait: int = 0) -> list[dict]:
    """Every message on the queue now, each deleted once read (as the watcher does); ``wait`` seconds for the first."""
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get("Messages", []):
        messages += batch
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch])
        wait = 0
    return messages


def empty(sqs, endpoint: str) -> None:
    """Nothing left on the landing queue: a test starts with nothing announced that an earlier one landed. Not
    ``purge_queue``: SQS, and moto with it, allow one purge a minute."""
    drain(sqs, queue_url(endpoint))


def silence(s3) -> None:
    """No notifications from the landing bucket until ``ensure`` points them at the queue again: for a world that
    lands many objects with no watcher to consume them (the bench's whole day calls the tasks itself). moto counts
    the whole queue on every send, so an unread queue of thousands makes each put slower than the last."""
    s3.put_bucket_notification_configuration(Bucket=settings.LANDING_BUCKET, NotificationConfiguration={})

