"""A sync in a child process that stops at one step of its push and waits there to be killed (``kill -9``).

    python -m tests.integration.activation.crash_child <consumer> <feed_date> <step> <batch> <batch_size> <fd>

It writes ``at <step> <done>/<total>`` to the pipe ``fd`` when it gets there (stdout carries the logs); the
parent then kills it.
"""

from __future__ import annotations

import os
import sys
import time


def main(consumer: str, feed_date: str, step: str, batch: int, batch_size: int, fd: int) -> None:
    from tests.support.activation import destination_for
    from top_items.activation.engine import sync_consumer
    from top_items.connections import warehouse_connection

    def hook(at: str, done: int, total: int) -> None:
        if at == step and done >= min(batch, total):
            os.write(fd, f"at {at} {done}/{total}\n".encode())
            time.sleep(600)

    with warehouse_connection() as conn:
        sync_consumer(conn, consumer, feed_date, run_id="child", hook=hook,
                      destination=destination_for(consumer, batch_size=batch_size))
    os.write(fd, b"finished without being killed\n")


if __name__ == "__main__":
    main(*sys.argv[1:4], *map(int, sys.argv[4:7]))
