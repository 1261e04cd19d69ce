"""``ops.sync_state`` and ``ops.sync_errors``: what each destination holds, and why a row failed."""

from __future__ import annotations

from datetime import date

from top_items.activation.base import Outcome
from top_items.activation.plan import REMOVE, StateRow


def load(conn, consumer: str) -> dict[str, StateRow]:
    rows = conn.execute("select record_key, row_hash, destination_id, status from ops.sync_state "
                        "where consumer = %s", (consumer,)).fetchall()
    return {key: StateRow(row_hash, dest_id, status) for key, row_hash, dest_id, status in rows}


def last_pushed_feed_date(conn, consumer: str) -> date | None:
    """The newest feed date that reached the destination (from rows written and from recorded runs)."""
    return conn.execute(
        """select greatest(
               (select max(feed_date) from ops.sync_state where consumer = %(c)s),
               (select max(feed_date) from ops.sync_runs where consumer = %(c)s and mode = 'push'
                  and succeeded_adds + succeeded_changes + succeeded_removes > 0))""",
        {"c": consumer}).fetchone()[0]


def apply(conn, *, consumer: str, destination: str, feed_date: str, sync_run_id: int, run_id: str | None,
          outcomes: list[Outcome]) -> None:
    """Record one batch's outcomes in one transaction (so a killed sync resumes from the last batch)."""
    synced = [(o.op.key, o.op.row_hash, o.destination_id or o.op.destination_id, o.op.kind)
              for o in outcomes if o.ok and o.op.kind != REMOVE]
    removed = [o.op.key for o in outcomes if o.ok and o.op.kind == REMOVE]
    failed = [o for o in outcomes if not o.ok]
    with conn.transaction(), conn.cursor() as cur:
        if synced:
            cur.executemany(
                """insert into ops.sync_state as s (consumer, record_key, row_hash, destination_id, status,
                       failures, last_operation, last_error, feed_date, sync_run_id, updated_at)
                   values (%s, %s, %s, %s, 'synced', 0, %s, null, %s, %s, now())
                   on conflict (consumer, record_key) do update set row_hash = excluded.row_hash,
                       destination_id = coalesce(excluded.destination_id, s.destination_id), status = 'synced',
                       failures = 0, last_operation = excluded.last_operation, last_error = null,
                       feed_date = excluded.feed_date, sync_run_id = excluded.sync_run_id, updated_at = now()""",
                [(consumer, key, digest, dest_id, kind, feed_date, sync_run_id)
                 for key, digest, dest_id, kind in synced])
        if removed:
            cur.execute("delete from ops.sync_state where consumer = %s and record_key = any(%s)",
                        (consumer, removed))
        if failed:
            # row_hash stays what the destination last confirmed (null for a failed add), so the next run
            # plans the key again as an add or a change.
            cur.executemany(
                """insert into ops.sync_state as s (consumer, record_key, row_hash, destination_id, status,
                       failures, last_operation, last_error, sync_run_id, updated_at)
                   values (%s, %s, null, %s, 'failed', 1, %s, %s, %s, now())
                   on conflict (consumer, record_key) do update set status = 'failed',
                       failures = s.failures + 1, last_operation = excluded.last_operation,
                       destination_id = coalesce(excluded.destination_id, s.destination_id),
                       last_error = excluded.last_error, sync_run_id = excluded.sync_run_id, updated_at = now()""",
                [(consumer, o.op.key, o.destination_id or o.op.destination_id, o.op.kind,
                  _error_text(o), sync_run_id) for o in failed])
            cur.executemany(
                """insert into ops.sync_errors (sync_run_id, run_id, consumer, destination, feed_date, record_key,
                       operation, error_code, message) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [(sync_run_id, run_id, consumer, destination, feed_date, o.op.key, o.op.kind, o.error_code,
                  (o.message or "")[:2000]) for o in failed])


def replace_snapshot(conn, *, consumer: str, feed_date: str, sync_run_id: int, hashes: dict[str, str]) -> None:
    """After a full publication: the state is exactly what was published."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("delete from ops.sync_state where consumer = %s", (consumer,))
        cur.executemany(
            "insert into ops.sync_state (consumer, record_key, row_hash, status, last_operation, feed_date, "
            "sync_run_id) values (%s, %s, %s, 'synced', 'add', %s, %s)",
            [(consumer, key, digest, feed_date, sync_run_id) for key, digest in hashes.items()])


def _error_text(outcome: Outcome) -> str:
    return f"{outcome.error_code or 'ERROR'}: {outcome.message or ''}"[:2000]
