"""The inventory-feed fast path: COPY every file of a feed date into a landing table, split it in SQL.

Python never touches rows: each object's bytes stream into ``COPY ... FROM STDIN`` as whole lines, and
``include/sql/raw/split_inventory_feed.sql`` decides, set-based, which lines load and which are
quarantined with a reason. The whole day is one transaction, so a re-run replaces day D and nothing else.

Every object under the day's prefix gets an audit row: a file that cannot be read as the feed contract says (an
unexpected name, a compressed or binary object, a wrong header, bytes that are not UTF-8) is rejected alone, the
others load, and the task then fails naming each rejected object; a stale file (a replay) loads into quarantine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import psycopg

from top_items import settings, sqlfiles
from top_items.ingest.objects import FetchedObject, ObjectLoad, audit, list_keys, prefetched, rejected, rejected_report
from top_items.rules import variables

log = logging.getLogger(__name__)

# One text field per line: a delimiter and quote that never occur in a feed, so COPY cannot reject a
# line for its shape; the column count is checked in SQL and a bad line is quarantined, not lost.
COPY_LINES = "copy feed_landing (line) from stdin (format csv, delimiter e'\\x01', quote e'\\x02')"
LANDING_TABLES = """
create temp table feed_landing (
    file_no integer not null default current_setting('top_items.file_no')::integer,
    seq     bigint generated always as identity,
    line    text
) on commit drop;
create temp table feed_files (
    file_no integer generated always as identity, source_file text primary key, header_seq bigint not null,
    store_id text not null
) on commit drop
"""
# Bytes that would let a line split or merge others, or that COPY refuses inside text: the framing's own
# delimiter and quote, NUL and a bare CR. Each becomes SUB (\x1a), so the line keeps its place and the split
# quarantines it as control_character; a CR before LF is a line ending and is dropped.
_UNFRAMEABLE = bytes.maketrans(b"\x00\x01\x02\r", b"\x1a\x1a\x1a\x1a")
KEY_INCOMING = ("alter table raw.inventory_feed_incoming add constraint inventory_feed_incoming_pkey "
                "primary key (feed_date, store_id, sku_id)")
SPLIT_LIMITS = ("max_line_bytes", "max_id_length", "truncated_copy_bytes")


def framed(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks with every unframeable byte made harmless (a CRLF split across chunks is still one ending)."""
    carry = b""
    for chunk in chunks:
        chunk = carry + chunk
        carry = chunk[-1:] if chunk.endswith(b"\r") else b""
        yield chunk[: len(chunk) - len(carry)].replace(b"\r\n", b"\n").translate(_UNFRAMEABLE)
    if carry:
        yield carry.translate(_UNFRAMEABLE)


class FeedError(Exception):
    """A feed day that cannot be loaded as the producer promised."""


class NoFeedFilesError(FeedError):
    pass


class RejectedFilesError(FeedError):
    def __init__(self, result: "FeedLoadResult"):
        self.result = result
        super().__init__(rejected_report(result.files, "feed file", result.feed_date))


@dataclass
class FeedLoadResult:
    feed_date: str
    files: list[ObjectLoad] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step of the load, in order

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rejected(self) -> list[ObjectLoad]:
        return rejected(self.files)

    @property
    def stale(self) -> list[ObjectLoad]:
        return [f for f in self.files if f.status == "stale"]


class _Stopwatch:
    """Each call records the seconds since the previous one under a step's name."""

    def __init__(self, steps: dict[str, float]):
        self.steps, self.last = steps, time.monotonic()

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.steps[name], self.last = round(now - self.last, 3), now


def load_inventory_feeds(conn, s3, feed_date: str, *, run_id: str | None = None,
                         bucket: str = settings.LANDING_BUCKET, fetch_ahead: int = 4) -> FeedLoadResult:
    """Load every feed file of ``feed_date``; raise after committing if any object was rejected whole."""
    started = time.monotonic()
    keys = list_keys(s3, bucket, settings.feed_prefix(feed_date))
    if not any(settings.feed_store_id(feed_date, key) for key in keys):
        raise NoFeedFilesError(f"no inventory feed files under s3://{bucket}/{settings.feed_prefix(feed_date)}: "
                               f"day {feed_date} is left as it was")
    result = FeedLoadResult(feed_date)
    step = _Stopwatch(result.steps)
    limits = {name: value for name, value in variables().items() if name in SPLIT_LIMITS}
    params = {"feed_date": feed_date, **limits}
    with conn.transaction():
        for statement in LANDING_TABLES.split(";"):
            conn.execute(statement)
        for number, obj in enumerate(prefetched(s3, bucket, keys, depth=fetch_ahead), start=1):
            try:
                result.files.append(_land(conn, obj, settings.feed_store_id(feed_date, obj.key)))
            finally:
                obj.close()
            if number % 100 == 0 or number == len(keys):
                log.info("landed %d/%d feed objects for %s", number, len(keys), feed_date)
        step("fetch and land")
        sqlfiles.run(conn, "raw/split_inventory_feed.sql", params)
        step("split")
        _key_incoming(conn)
        step("key")
        sqlfiles.run(conn, "raw/settle_inventory_feed.sql", params)
        _count(conn, result)
        audit(conn, result.files, run_id=run_id, dataset="inventory_feed", feed_date=feed_date,
              expected_columns=settings.FEED_COLUMNS)
        step("settle and swap in")
    step("commit")
    result.seconds = time.monotonic() - started
    log.info("feed %s: %d files, %d rows in, %d loaded, %d quarantined %s, %d files stale, %d rejected, %.1fs "
             "(%.0f rows/s; %s)", feed_date, len(result.files), result.rows_in, result.rows_loaded,
             result.rows_quarantined, result.reasons or "", len(result.stale), len(result.rejected), result.seconds,
             result.rows_in / max(result.seconds, 1e-9),
             ", ".join(f"{name} {seconds:.2f}s" for name, seconds in result.steps.items()))
    for stale in result.stale:
        log.warning("stale feed file %s: %s", stale.source_file, stale.error)
    if result.rejected:
        raise RejectedFilesError(result)
    return result


def _land(conn, obj: FetchedObject, store_id: str | None) -> ObjectLoad:
    load = ObjectLoad(source_file=obj.key, checksum_sha256=obj.sha256, bytes=obj.size)
    if store_id is None:
        return load.reject("unexpected object name: a feed file is named "
                               f"{settings.feed_key('<date>', '<store_id>').split('/')[-1]} under the day's prefix")
    kind = obj.binary_kind()
    if kind:
        return load.reject(f"unreadable: a {kind} object, not a UTF-8 CSV file")
    header = obj.read_header()
    load.actual_columns = header
    if header != list(settings.FEED_COLUMNS):
        return load.reject("empty file: no header" if header is None else
                         f"header mismatch: expected {','.join(settings.FEED_COLUMNS)}; got {','.join(header)}")
    try:
        with conn.transaction():  # a savepoint: a file COPY refuses (bad encoding) is rejected alone
            # One sequence value stands for the header line, so a row's line number is seq - header_seq + 1; the
            # file's number becomes each of its lines' file_no (feed_landing's default reads it).
            conn.execute("with file as (insert into feed_files (source_file, header_seq, store_id) "
                         "select %s, nextval(pg_get_serial_sequence('feed_landing', 'seq')), %s returning file_no) "
                         "select set_config('top_items.file_no', file_no::text, true) from file", (obj.key, store_id))
            with conn.cursor().copy(COPY_LINES) as copy:
                for chunk in framed(obj.chunks()):
                    copy.write(chunk)
    except Exception as exc:  # psycopg reports bytes that are not UTF-8 as DataError and friends
        return load.reject(f"unreadable: {str(exc).splitlines()[0]}")
    return load


def _key_incoming(conn) -> None:
    """Key the day's rows in one sort; only a day with a repeated (store, SKU) pays for finding which repeat."""
    try:
        with conn.transaction():
            conn.execute(KEY_INCOMING)
    except psycopg.errors.UniqueViolation:
        sqlfiles.run(conn, "raw/dedupe_inventory_feed.sql")
        conn.execute(KEY_INCOMING)


def _count(conn, result: FeedLoadResult) -> None:
    by_file = {f.source_file: f for f in result.files}
    for source_file, loaded, stale_because in conn.execute(
            "select source_file, rows_loaded, stale_because from feed_file_status"):
        load = by_file[source_file]
        load.rows_loaded = 0 if stale_because else loaded
        if stale_because:
            load.status, load.error = "stale", stale_because
    for source_file, quarantined in conn.execute("select source_file, count(*) from feed_rejected group by 1"):
        by_file[source_file].rows_quarantined = quarantined
    for load in result.files:
        load.rows_in = load.rows_loaded + load.rows_quarantined
    result.reasons = dict(conn.execute(
        "select reason, count(*) from feed_rejected group by reason order by 2 desc, 1").fetchall())

