"""The landing queue read as the watcher reads it, and messages sent to it by hand (a redelivery, a late one)."""

from __future__ import annotations

from sandbox.world import landing_events


def url(world) -> str:
    return landing_events.queue_url(world.s3_endpoint)


def receive(sqs, queue_url: str, wait: int = 2) -> list[dict]:
    """Every message on the queue now, each deleted once read (as the watcher does)."""
    return landing_events.drain(sqs, queue_url, wait)


def send(sqs, queue_url: str, bodies: list[str]) -> None:
    for body in bodies:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
