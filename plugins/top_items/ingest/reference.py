"""Load the reference snapshots (stores, SKUs, order lines) a sync tool leaves beside the feeds.

Each table loads whole or not at all: its newest snapshot on or before the feed date is COPYed (real CSV
parsing: names may hold commas) into an all-text landing table, checked by
``include/sql/raw/reference/<table>.sql``, and only then added to the table's history under its snapshot date.
Snapshots are kept, never replaced by a later one, so the models for day D read the snapshot in force on D; a
snapshot already held with the same checksum is reused, so runs of different days that share a snapshot never
write the same rows. History older than ``reference_retention_days`` (include/sql/vars.yml) is pruned.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from psycopg import sql

from top_items import settings, sqlfiles
from top_items.ingest.objects import ObjectLoad, audit, fetch, list_keys, list_partitions
from top_items.rules import variables

log = logging.getLogger(__name__)

COLUMNS = settings.REFERENCE_COLUMNS
SNAPSHOT = re.compile(r"snapshot_date=(\d{4}-\d{2}-\d{2})/$")
SHOW_BAD_ROWS = 10


class ReferenceSnapshotError(Exception):
    pass


@dataclass
class SnapshotLoad:
    table: str
    source_file: str
    snapshot_date: str
    rows: int


def latest_snapshot(s3, bucket: str, table: str, feed_date: str) -> tuple[str, str]:
    dates = [m.group(1) for p in list_partitions(s3, bucket, f"{settings.REFERENCE_PREFIX}/{table}/")
             if (m := SNAPSHOT.search(p)) and m.group(1) <= feed_date]
    if not dates:
        raise ReferenceSnapshotError(f"no {table} snapshot on or before {feed_date} under "
                                     f"s3://{bucket}/{settings.REFERENCE_PREFIX}/{table}/")
    keys = list_keys(s3, bucket, f"{settings.REFERENCE_PREFIX}/{table}/snapshot_date={dates[-1]}/", suffix=".csv")
    if not keys:
        raise ReferenceSnapshotError(f"snapshot folder {table}/snapshot_date={dates[-1]} holds no CSV file")
    return dates[-1], keys[0]


def load_reference_snapshots(conn, s3, feed_date: str, *, run_id: str | None = None,
                             bucket: str = settings.LANDING_BUCKET) -> list[SnapshotLoad]:
    return [load_snapshot(conn, s3, table, feed_date, run_id=run_id, bucket=bucket) for table in COLUMNS]


def load_snapshot(conn, s3, table: str, feed_date: str, *, run_id: str | None = None,
                  bucket: str = settings.LANDING_BUCKET) -> SnapshotLoad:
    snapshot_date, key = latest_snapshot(s3, bucket, table, feed_date)
    columns = COLUMNS[table]
    obj = fetch(s3, bucket, key)
    load = ObjectLoad(source_file=key, checksum_sha256=obj.sha256, bytes=obj.size)

    def audited() -> None:
        audit(conn, [load], run_id=run_id, dataset=table, feed_date=feed_date, expected_columns=columns)

    try:
        header = load.actual_columns = obj.read_header()
        if header != list(columns):
            error = f"header mismatch: expected {','.join(columns)}; got {','.join(header or [])}"
            load.reject(error)
            audited()
            raise ReferenceSnapshotError(f"{table} snapshot s3://{bucket}/{key} rejected: {error}")
        try:
            with conn.transaction():
                # Two runs whose days share a snapshot load it one after the other; the second finds it held.
                conn.execute("select pg_advisory_xact_lock(hashtext(%s))",
                             (f"top_items.snapshot:{table}:{snapshot_date}",))
                rows = _held(conn, table, snapshot_date, obj.sha256)
                if rows is None:
                    rows = _add(conn, table, columns, obj, key, snapshot_date)
                    _prune(conn, table)
                else:
                    log.info("reference %s: snapshot %s already held (same checksum), reused", table, snapshot_date)
                load.rows_in = load.rows_loaded = rows
                audited()
        except ReferenceSnapshotError as exc:
            load.reject(str(exc))
            audited()
            raise
    finally:
        obj.close()
    log.info("reference %s: %d rows from s3://%s/%s (snapshot %s)", table, rows, bucket, key, snapshot_date)
    return SnapshotLoad(table, key, snapshot_date, rows)


def _held(conn, table: str, snapshot_date: str, checksum: str) -> int | None:
    """The row count of the snapshot when it is already held with this checksum, else None."""
    row = conn.execute("select row_count from raw.snapshots where table_name = %s and snapshot_date = %s "
                       "and checksum_sha256 = %s", (table, snapshot_date, checksum)).fetchone()
    return None if row is None else row[0]


def _prune(conn, table: str) -> None:
    """Drop snapshots older than the retention window, keeping the one in force at its start."""
    horizon = conn.execute(
        "select raw.snapshot_in_force(%s, max(snapshot_date) - %s::int) from raw.snapshots where table_name = %s",
        (table, variables()["reference_retention_days"], table)).fetchone()[0]
    if horizon is None:
        return
    pruned = conn.execute(sql.SQL("delete from raw.{} where snapshot_date < %s").format(sql.Identifier(table)),
                          (horizon,)).rowcount
    conn.execute("delete from raw.snapshots where table_name = %s and snapshot_date < %s", (table, horizon))
    if pruned:
        log.info("reference %s: pruned %d rows of snapshots before %s", table, pruned, horizon)


def _add(conn, table: str, columns: tuple[str, ...], obj, key: str, snapshot_date: str) -> int:
    landing = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns)
    conn.execute(sql.SQL("create temp table reference_landing (source_line bigint generated always as identity "
                         "(start with 2), {}) on commit drop").format(landing))
    target = sql.SQL(", ").join(map(sql.Identifier, columns))
    try:
        with conn.transaction(), conn.cursor().copy(
                sql.SQL("copy reference_landing ({}) from stdin (format csv)").format(target)) as copy:
            for chunk in obj.chunks():
                copy.write(chunk)
    except Exception as exc:
        raise ReferenceSnapshotError(f"{table} snapshot {key} unreadable: {' '.join(str(exc).split())}") from exc
    bad = conn.execute(sqlfiles.read(f"raw/reference/{table}.sql")).fetchall()
    if bad:
        shown = ", ".join(f"line {line}: {reason}" for line, reason in bad[:SHOW_BAD_ROWS])
        raise ReferenceSnapshotError(
            f"{table} snapshot {key} has {len(bad)} bad row(s), previous snapshot kept: {shown}"
        )
    types = dict(conn.execute("select attname, format_type(atttypid, atttypmod) from pg_attribute "
                              "where attrelid = %s::regclass and attnum > 0 and not attisdropped",
                              (f"raw.{table}",)).fetchall())
    casts = sql.SQL(", ").join(
        sql.SQL("nullif({}, '')::{}").format(sql.Identifier(c), sql.SQL(types[c])) for c in columns
    )
    conn.execute(sql.SQL("delete from raw.{} where snapshot_date = %s").format(sql.Identifier(table)), (snapshot_date,))
    rows = conn.execute(sql.SQL("insert into raw.{} ({}, snapshot_date, source_file) "
                                "select {}, %s, %s from reference_landing")
                        .format(sql.Identifier(table), target, casts), (snapshot_date, key)).rowcount
    conn.execute("""
        insert into raw.snapshots (table_name, snapshot_date, source_file, checksum_sha256, row_count)
        values (%s, %s, %s, %s, %s)
        on conflict (table_name, snapshot_date) do update
        set source_file = excluded.source_file, checksum_sha256 = excluded.checksum_sha256,
            row_count = excluded.row_count, loaded_at = now()""", (table, snapshot_date, key, obj.sha256, rows))
    conn.execute(sql.SQL("analyze raw.{}").format(sql.Identifier(table)))
    return rows

