"""A day landed the way producers land it, over time: the reference sync first, then the stores' files spread
out, a few stragglers after a pause, and some stores held back past the cutoff (the caller lands those later).

``write_day`` puts a whole day at once, for runs by hand; this is what the event-driven side sees in production.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sandbox.simulate.catalog import Catalog, WorldSpec, rng
from sandbox.simulate.files import feed_files, reference_files
from sandbox.simulate.publish import clear_day
from top_items import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    feed_date: str
    landed: list[str]  # every key put, in order
    held_back: dict[str, bytes] = field(default_factory=dict)  # key -> body, not landed yet

    def land_held_back(self, s3, bucket: str = settings.LANDING_BUCKET) -> list[str]:
        for key, body in self.held_back.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")
        return list(self.held_back)


def arrive(s3, spec: WorldSpec, feed_date: date, *, over_seconds: float, stragglers: int = 2, held_back: int = 0,
           bucket: str = settings.LANDING_BUCKET, sleep: Callable[[float], None] = time.sleep) -> Arrival:
    """Land day ``feed_date`` over about ``over_seconds``: the reference snapshots, the stores' files at even
    intervals in a seeded order, then ``stragglers`` of them after a pause of a fifth of the time; ``held_back``
    stores' files are returned unlanded."""
    catalog = Catalog(spec)
    day = feed_date.isoformat()
    clear_day(s3, bucket, settings.feed_prefix(day))
    landed = []
    for key, body in reference_files(catalog, feed_date):
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")
        landed.append(key)
    feeds = list(feed_files(catalog, feed_date))
    rng(spec.seed, "arrival", day).shuffle(feeds)
    held = dict(feeds[len(feeds) - held_back:]) if held_back else {}
    on_time = feeds[: len(feeds) - held_back]
    early, late = on_time[: max(0, len(on_time) - stragglers)], on_time[max(0, len(on_time) - stragglers):]
    gap = 0.8 * over_seconds / max(1, len(on_time))
    for n, (key, body) in enumerate(early + late):
        if n == len(early) and late:
            sleep(0.2 * over_seconds)  # the stragglers
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")
        landed.append(key)
        sleep(gap)
    log.info("landed %s over time: %d reference snapshots, %d feeds (%d straggling), %d held back", day,
             len(landed) - len(on_time), len(on_time), len(late), len(held))
    return Arrival(day, landed, held)
