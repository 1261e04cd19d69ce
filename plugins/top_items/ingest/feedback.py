"""Ingest the retailer app's feedback on its recommendations into overrides, like a feed: accounted and quarantined.

The app writes CSV objects under ``s3://retailer-app/feedback/feed_date=D/`` (edge contract: docs/contracts.md,
"Retailer feedback"): one item per line, a store, a SKU and a reason. Every object of the day gets an
``ops.load_audit`` row (rows in = loaded + quarantined); an object that is not the contract's (name, binary, header,
not UTF-8) is rejected alone and the task fails after the others loaded. Each line is checked in SQL, like a feed's,
by ``include/sql/raw/split_retailer_feedback.sql``: its shape (``raw.feedback_line``), then the reference in force
on D; a line that fails is kept in ``raw.feedback_quarantine`` with its reason. Each item that loads becomes a
``suppress`` override of that SKU for that store, owned by ``retailer:<store_id>``, from D for
``feedback_ttl_days``: from this run on, the SKU leaves that store's list in every consumer. The whole day is one
transaction; a re-run replaces it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from top_items import settings, sqlfiles
from top_items.ingest.objects import ObjectLoad, audit, fetch, list_keys, rejected, rejected_report
from top_items.rules import variables

log = logging.getLogger(__name__)

OBJECT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=-]*\.csv")
DATASET = "retailer_feedback"
LANDING = """
create temp table feedback_landing (
    source_file text not null,
    source_line integer not null,
    raw_record  text not null
) on commit drop"""


class FeedbackError(Exception):
    """Feedback objects that cannot be read as the contract says (the others of the day loaded)."""


@dataclass
class FeedbackLoadResult:
    feed_date: str
    objects: list[ObjectLoad] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    overrides: int = 0

    @property
    def rejected(self) -> list[ObjectLoad]:
        return rejected(self.objects)


def landed(line: str) -> str:
    """The line as the landing table holds it: text cannot hold NUL, which becomes SUB, as in the feed loader, so the
    line is still quarantined as control_character."""
    return line.replace("\x00", "\x1a")


def load_feedback(conn, s3, feed_date: str, *, run_id: str | None = None,
                  bucket: str = settings.RETAILER_APP_BUCKET) -> FeedbackLoadResult:
    """Load every feedback object of ``feed_date`` into overrides; raise after committing if any was rejected."""
    rules = variables()
    keys = list_keys(s3, bucket, settings.feedback_prefix(feed_date))
    result = FeedbackLoadResult(feed_date)
    with conn.transaction():
        conn.execute(LANDING)
        for key in keys:
            obj = fetch(s3, bucket, key)
            try:
                result.objects.append(_land(conn, obj))
            finally:
                obj.close()
        sqlfiles.run(conn, "raw/split_retailer_feedback.sql",
                     {"feed_date": feed_date, "feedback_ttl_days": rules["feedback_ttl_days"],
                      "max_id_length": rules["max_id_length"], "feedback_reasons": list(settings.FEEDBACK_REASONS)})
        _count(conn, result)
        audit(conn, result.objects, run_id=run_id, dataset=DATASET, feed_date=feed_date,
              expected_columns=settings.FEEDBACK_COLUMNS)
    log.info("retailer feedback %s: %d objects, %d items loaded, %d quarantined %s, %d overrides, %d rejected",
             feed_date, len(result.objects), sum(o.rows_loaded for o in result.objects),
             sum(o.rows_quarantined for o in result.objects), result.reasons or "", result.overrides,
             len(result.rejected))
    if result.rejected:
        raise FeedbackError(rejected_report(result.objects, "feedback object", feed_date))
    return result


def _land(conn, obj) -> ObjectLoad:
    load = ObjectLoad(source_file=obj.key, checksum_sha256=obj.sha256, bytes=obj.size)
    if not OBJECT_NAME.fullmatch(obj.key.rsplit("/", 1)[-1]):
        return load.reject("unexpected object name: a feedback object is <name>.csv under the day's prefix")
    kind = obj.binary_kind()
    if kind:
        return load.reject(f"unreadable: a {kind} object, not a UTF-8 CSV file")
    try:
        text = obj.body.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return load.reject(f"unreadable: not UTF-8 ({exc.reason} at byte {exc.start})")
    # Only LF (or CRLF) ends a line: any other control byte stays in its line, which is quarantined for it.
    lines = [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]
    header, *lines = lines
    load.actual_columns = [name.strip().strip('"') for name in header.split(",")] if header else None
    if load.actual_columns != list(settings.FEEDBACK_COLUMNS):
        return load.reject("empty object: no header" if not header else
                         f"header mismatch: expected {','.join(settings.FEEDBACK_COLUMNS)}; got {header}")
    with conn.cursor() as cur:
        cur.executemany("insert into feedback_landing values (%s, %s, %s)",
                        [(obj.key, number, landed(line)) for number, line in enumerate(lines, start=2)])
    return load


def _count(conn, result: FeedbackLoadResult) -> None:
    by_key = {o.source_file: o for o in result.objects}
    for source_file, rows_in, loaded, quarantined in conn.execute("""
            select source_file, count(*), count(*) filter (where quarantine is null),
                   count(*) filter (where quarantine is not null)
            from feedback_classified group by source_file"""):
        by_key[source_file].rows_in, by_key[source_file].rows_loaded, by_key[source_file].rows_quarantined = \
            rows_in, loaded, quarantined
    result.reasons = dict(conn.execute("select quarantine, count(*) from feedback_classified "
                                       "where quarantine is not null group by 1 order by 2 desc, 1").fetchall())
    result.overrides = conn.execute("select count(*) from raw.overrides where feed_date = %s",
                                    (result.feed_date,)).fetchone()[0]

