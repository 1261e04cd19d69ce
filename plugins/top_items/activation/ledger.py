"""The one place that knows the ``ops.sync_*`` tables, and the export read every sync starts from.

    sync_runs    one row per push, dry run or reconcile: counts per kind, outcome, ``baseline`` (what the
                 volume guard weighed against) and ``held_after`` (the rows the destination holds after a
                 successful run)
    sync_state   per consumer and key: the hash the destination last confirmed, its id there, the feed date
                 its stamp fields carry, synced or failed: what the destination holds, the guard's baseline
    sync_errors  every rejected record, with the destination's reason

A per-consumer advisory lock serialises runs of one consumer (a waiting lock, not a retry); a run killed
without a trace (``kill -9``) leaves its row ``running`` until the next run of that consumer abandons it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from datetime import date, datetime

from psycopg import sql

from top_items.activation.plan import KINDS, REMOVE, Outcome, StateRow
from top_items.registry import Consumer

log = logging.getLogger(__name__)

OUTCOMES = ("running", "success", "warning", "failed", "skipped", "blocked", "abandoned")
SUCCESSFUL = ("success", "warning")
MODES = ("push", "dry_run", "reconcile")
STAGES = ("planned", "succeeded", "failed")
COUNTERS = tuple(f"{stage}_{kind}s" for stage in STAGES for kind in KINDS)
RUN_FIELDS = (*COUNTERS, "records_pushed", "api_calls", "rejected_rows", "held_after", "location", "outcome",
              "detail")
LOCK_CLASS = 7_301  # first half of the advisory lock key: "a consumer's sync"; the second is the consumer


def counter(stage: str, kind: str) -> str:
    return f"{stage}_{kind}s"


def export_rows(conn, consumer: Consumer, feed_date: str, *, batch: int = 5000,
                relation: str | None = None) -> Iterator[dict]:
    """The consumer's export for one feed date, streamed in key order: the only query a push reads.

    ``relation``: read this table instead of the published export (a preview reads its shadow build's).
    """
    schema, table = (relation or consumer.export).split(".")
    order = sql.SQL(", ").join(map(sql.Identifier, consumer.key))
    query = sql.SQL("select * from {} where feed_date = %s order by {}").format(sql.Identifier(schema, table), order)
    with conn.transaction(), conn.cursor(name=f"export_{consumer.name}") as cur:
        cur.itersize = batch
        cur.execute(query, (feed_date,))
        columns = None
        for row in cur:
            columns = columns or [c.name for c in cur.description]
            yield dict(zip(columns, row, strict=False))


@contextlib.contextmanager
def consumer_lock(conn, consumer: str):
    """Hold the consumer's advisory lock for the block; wait for it when another run holds it.

    A session lock: a killed process's connection ends and Postgres releases it.
    """
    conn.execute("select pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, consumer))
    try:
        yield
    finally:
        if not conn.closed:
            conn.execute("select pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, consumer))


def abandon_running(conn, consumer: str) -> int:
    """Close the consumer's earlier ``running`` rows: under the lock, no run of it can still be alive."""
    closed = conn.execute(
        "update ops.sync_runs set outcome = 'abandoned', finished_at = now(), detail = coalesce(detail || '; ', '') "
        "|| 'abandoned: the process ended without closing this run' where consumer = %s and outcome = 'running'",
        (consumer,)).rowcount
    if closed:
        log.warning("%s: %d earlier run(s) were still 'running' (killed?): closed as abandoned", consumer, closed)
    return closed


def open_run(conn, *, consumer: str, destination: str, feed_date: str, run_id: str | None, mode: str,
             baseline: int | None) -> int:
    return conn.execute(
        "insert into ops.sync_runs (run_id, consumer, destination, feed_date, mode, outcome, baseline) "
        "values (%s, %s, %s, %s, %s, 'running', %s) returning sync_run_id",
        (run_id, consumer, destination, feed_date, mode, baseline)).fetchone()[0]


def close_run(conn, sync_run_id: int, fields: Mapping) -> None:
    unknown = set(fields) - set(RUN_FIELDS)
    if unknown:
        raise ValueError(f"ops.sync_runs has no columns {sorted(unknown)}")
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name))
                                     for name in fields)
    conn.execute(sql.SQL("update ops.sync_runs set {}, finished_at = now(), "
                         "duration_s = extract(epoch from clock_timestamp() - started_at) "
                         "where sync_run_id = {}").format(assignments, sql.Placeholder("sync_run_id")),
                 {**fields, "sync_run_id": sync_run_id})


def baseline(conn, consumer: str) -> int | None:
    """What the destination holds now, as the ledger records it (:func:`held`): the volume guard's baseline.

    None until a push or reconcile of the consumer has succeeded: a first sync that partly landed is still a
    first sync. Not the last successful run's ``held_after``: a failed run may have landed some batches since.
    """
    succeeded = conn.execute(
        "select 1 from ops.sync_runs where consumer = %s and mode in ('push', 'reconcile') "
        "and outcome = any(%s) and held_after is not null limit 1", (consumer, list(SUCCESSFUL))).fetchone()
    return held(conn, consumer) if succeeded else None


def held(conn, consumer: str) -> int:
    """Keys the destination confirmed: a key whose later push was refused still holds what it confirmed."""
    return conn.execute("select count(*) from ops.sync_state where consumer = %s and row_hash is not null",
                        (consumer,)).fetchone()[0]


def load_state(conn, consumer: str) -> dict[str, StateRow]:
    rows = conn.execute("select record_key, row_hash, destination_id, status, feed_date, items from ops.sync_state "
                        "where consumer = %s", (consumer,)).fetchall()
    return {key: StateRow(digest, dest_id, status, day and day.isoformat(), None if items is None else tuple(items))
            for key, digest, dest_id, status, day, items in rows}


def newest_pushed_feed_date(conn, consumer: str) -> date | None:
    """The newest feed date that reached the destination (from rows written and from recorded runs)."""
    return conn.execute(
        """select greatest(
               (select max(feed_date) from ops.sync_state where consumer = %(c)s),
               (select max(feed_date) from ops.sync_runs where consumer = %(c)s and mode in ('push', 'reconcile')
                  and outcome = any(%(ok)s) and held_after is not null))""",
        {"c": consumer, "ok": list(SUCCESSFUL)}).fetchone()[0]


def pushed_days(conn, consumer: str) -> dict[date, datetime]:
    """Each feed date a push of the consumer succeeded for, with when its newest such push ended."""
    return dict(conn.execute(
        "select feed_date, max(finished_at) from ops.sync_runs where consumer = %s and mode = 'push' "
        "and outcome = any(%s) and held_after is not null group by feed_date", (consumer, list(SUCCESSFUL))).fetchall())


def record_outcomes(conn, *, consumer: str, destination: str, feed_date: str, sync_run_id: int,
                    run_id: str | None, outcomes: list[Outcome]) -> None:
    """Record one batch's outcomes in one transaction (so a killed sync resumes from the last batch)."""
    synced = [(consumer, o.op.key, o.op.row_hash, o.destination_id or o.op.destination_id, o.op.kind, feed_date,
               sync_run_id, _array(o.op.items)) for o in outcomes if o.ok and o.op.kind != REMOVE]
    removed = [o.op.key for o in outcomes if o.ok and o.op.kind == REMOVE]
    failed = [o for o in outcomes if not o.ok]
    with conn.transaction(), conn.cursor() as cur:
        if synced:
            cur.executemany(
                """insert into ops.sync_state as s (consumer, record_key, row_hash, destination_id, status,
                       failures, last_operation, last_error, feed_date, sync_run_id, items, updated_at)
                   values (%s, %s, %s, %s, 'synced', 0, %s, null, %s, %s, %s, now())
                   on conflict (consumer, record_key) do update set row_hash = excluded.row_hash,
                       items = coalesce(excluded.items, s.items),
                       destination_id = coalesce(excluded.destination_id, s.destination_id), status = 'synced',
                       failures = 0, last_operation = excluded.last_operation, last_error = null,
                       feed_date = excluded.feed_date, sync_run_id = excluded.sync_run_id, updated_at = now()""",
                synced)
        if removed:
            cur.execute("delete from ops.sync_state where consumer = %s and record_key = any(%s)",
                        (consumer, removed))
        if failed:
            # row_hash stays what the destination last confirmed (null for a failed add), so the next run
            # plans the key again.
            cur.executemany(
                """insert into ops.sync_state as s (consumer, record_key, row_hash, destination_id, status,
                       failures, last_operation, last_error, sync_run_id, updated_at)
                   values (%s, %s, null, %s, 'failed', 1, %s, %s, %s, now())
                   on conflict (consumer, record_key) do update set status = 'failed',
                       failures = s.failures + 1, last_operation = excluded.last_operation,
                       destination_id = coalesce(excluded.destination_id, s.destination_id),
                       last_error = excluded.last_error, sync_run_id = excluded.sync_run_id, updated_at = now()""",
                [(consumer, o.op.key, o.destination_id or o.op.destination_id, o.op.kind,
                  f"{o.error_code or 'ERROR'}: {o.message or ''}"[:2000], sync_run_id) for o in failed])
            cur.executemany(
                """insert into ops.sync_errors (sync_run_id, run_id, consumer, destination, feed_date, record_key,
                       operation, error_code, message) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [(sync_run_id, run_id, consumer, destination, feed_date, o.op.key, o.op.kind, o.error_code,
                  (o.message or "")[:2000]) for o in failed])


def replace_state(conn, *, consumer: str, feed_date: str, sync_run_id: int,
                  held_records: Mapping[str, tuple[str, str | None, tuple[str, ...] | None]]) -> None:
    """The state becomes exactly ``{key: (row_hash, destination_id, items)}``: after a snapshot publication."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("delete from ops.sync_state where consumer = %s", (consumer,))
        cur.executemany(
            "insert into ops.sync_state (consumer, record_key, row_hash, destination_id, status, last_operation, "
            "feed_date, sync_run_id, items) values (%s, %s, %s, %s, 'synced', 'add', %s, %s, %s)",
            [(consumer, key, digest, dest_id, feed_date, sync_run_id, _array(items))
             for key, (digest, dest_id, items) in held_records.items()])


def _array(items: tuple[str, ...] | None) -> list[str] | None:
    return None if items is None else list(items)  # psycopg sends a list as an array, a tuple as a record


def blocked_run(conn, consumer: str, run_id: str) -> tuple[int, str] | None:
    """(sync_run_id, detail) of the consumer's push in this Airflow run when its volume guard blocked it."""
    found = conn.execute("select sync_run_id, outcome, detail from ops.sync_runs where consumer = %s and run_id = %s "
                         "and mode = 'push' order by sync_run_id desc limit 1", (consumer, run_id)).fetchone()
    return (found[0], found[2]) if found and found[1] == "blocked" else None


def latest_runs(conn, feed_date: str) -> list[dict]:
    """Each consumer's newest sync run for a feed date (what the run summary shows)."""
    cur = conn.execute("""
        select distinct on (consumer) consumer, destination, mode, outcome, records_pushed, api_calls,
               planned_adds, planned_changes, planned_restamps, planned_removes,
               failed_adds + failed_changes + failed_restamps + failed_removes as failed, location, detail
        from ops.sync_runs where feed_date = %s order by consumer, sync_run_id desc""", (feed_date,))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]
