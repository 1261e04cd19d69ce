"""Record landings in ``ops.landings``, once each: SQS delivers at least once and in any order, so a message seen
again (or late) inserts nothing, and only what is new is announced."""

from __future__ import annotations

from collections.abc import Iterable

from top_items.ingest.schema import ensure_schemas
from top_items.landing.events import Landing

INSERT = """
insert into ops.landings (bucket, key, etag, kind, day, store_id, size_bytes, event_time, sequencer)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (bucket, key, etag) do nothing
returning bucket, key, etag
"""


def ensure_table(conn) -> None:
    """The warehouse's setup, when ops.landings is not there yet (a landing before the first pipeline run). Not on
    every run: the setup's DDL takes locks the pipeline's loads would wait for, many times a morning."""
    if conn.execute("select to_regclass('ops.landings')").fetchone()[0] is None:
        ensure_schemas(conn)


def record(conn, landings: Iterable[Landing]) -> list[Landing]:
    """Insert each landing not yet recorded; the ones that were new, in the order given."""
    new = []
    with conn.transaction():
        for landing in landings:
            inserted = conn.execute(INSERT, (landing.bucket, landing.key, landing.etag, landing.kind, landing.day,
                                             landing.store_id, landing.size, landing.event_time,
                                             landing.sequencer)).fetchone()
            if inserted:
                new.append(landing)
    return new


def days(landings: Iterable[Landing], kind: str) -> list[str]:
    """The distinct days (feed or snapshot dates) of the landings of one kind, in order."""
    return sorted({landing.day for landing in landings if landing.kind == kind})
