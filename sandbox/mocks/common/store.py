"""File-backed state shared by every process serving one mock on one state dir.

One sqlite3 file per service (``<state-dir>/<service>.sqlite3``). sqlite's own file locking makes
the store safe for several server processes; every write runs in a ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
create table if not exists docs (
    seq integer primary key autoincrement,
    coll text not null,
    id text not null,
    ext text,
    data text not null,
    unique (coll, id)
);
create index if not exists docs_ext on docs (coll, ext);
create table if not exists counters (name text primary key, value integer not null);
create table if not exists config (key text primary key, value text not null);
create table if not exists faults (
    id integer primary key autoincrement,
    spec text not null,
    remaining integer,
    fired integer not null default 0
);
create table if not exists requests (
    id integer primary key autoincrement,
    ts real not null,
    method text not null,
    path text not null,
    query text,
    status integer,
    request_bytes integer,
    records integer,
    fault text
);
create table if not exists tokens (
    token text primary key,
    expires_at real,
    revoked integer not null default 0
);
create table if not exists hits (id integer primary key autoincrement, ts real not null);
"""


class Store:
    """Small document / config / fault / token / request-log store over one sqlite file."""

    def __init__(self, path: Path, *, static_tokens: tuple[str, ...] = (), defaults: dict | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.static_tokens = tuple(static_tokens)
        self.defaults = dict(defaults or {})
        conn = self._connect()
        try:
            conn.execute("pragma journal_mode=wal")
            conn.executescript(SCHEMA)
        finally:
            conn.close()
        with self.tx() as conn:
            self._seed(conn)

    # -- plumbing -------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("pragma busy_timeout=30000")
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), committed on success, rolled back on error."""
        conn = self._connect()
        try:
            conn.execute("begin immediate")
            try:
                yield conn
            except BaseException:
                conn.execute("rollback")
                raise
            conn.execute("commit")
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def _seed(self, conn: sqlite3.Connection) -> None:
        for token in self.static_tokens:
            conn.execute("insert or ignore into tokens (token, expires_at, revoked) values (?, null, 0)", (token,))

    def reset(self) -> None:
        with self.tx() as conn:
            for table in ("docs", "counters", "config", "faults", "requests", "tokens", "hits"):
                conn.execute(f"delete from {table}")
            self._seed(conn)

    # -- documents ------------------------------------------------------------------------------
    @staticmethod
    def doc_get(conn: sqlite3.Connection, coll: str, doc_id: str) -> dict | None:
        row = conn.execute("select data from docs where coll=? and id=?", (coll, doc_id)).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def doc_by_ext(conn: sqlite3.Connection, coll: str, ext: str) -> dict | None:
        row = conn.execute("select data from docs where coll=? and ext=? order by seq limit 1", (coll, ext)).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def doc_put(conn: sqlite3.Connection, coll: str, doc_id: str, data: dict, ext: str | None = None) -> None:
        conn.execute(
            "insert into docs (coll, id, ext, data) values (?, ?, ?, ?) "
            "on conflict (coll, id) do update set ext=excluded.ext, data=excluded.data",
            (coll, doc_id, ext, json.dumps(data)),
        )

    @staticmethod
    def doc_delete(conn: sqlite3.Connection, coll: str, doc_id: str) -> bool:
        return conn.execute("delete from docs where coll=? and id=?", (coll, doc_id)).rowcount > 0

    @staticmethod
    def doc_list(conn: sqlite3.Connection, coll: str) -> list[dict]:
        rows = conn.execute("select data from docs where coll=? order by seq", (coll,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    @staticmethod
    def next_value(conn: sqlite3.Connection, name: str, step: int = 1) -> int:
        conn.execute(
            "insert into counters (name, value) values (?, ?) on conflict (name) do update set value=value+?",
            (name, step, step),
        )
        return conn.execute("select value from counters where name=?", (name,)).fetchone()[0]

    def counter(self, name: str) -> int:
        with self.read() as conn:
            row = conn.execute("select value from counters where name=?", (name,)).fetchone()
        return row[0] if row else 0

    def collections(self) -> dict[str, list[dict]]:
        with self.read() as conn:
            rows = conn.execute("select coll, data from docs order by seq").fetchall()
        out: dict[str, list[dict]] = {}
        for coll, data in rows:
            out.setdefault(coll, []).append(json.loads(data))
        return out

    # -- config ---------------------------------------------------------------------------------
    def config(self) -> dict:
        with self.read() as conn:
            rows = conn.execute("select key, value from config").fetchall()
        cfg = dict(self.defaults)
        cfg.update({k: json.loads(v) for k, v in rows})
        return cfg

    def update_config(self, values: dict) -> dict:
        unknown = sorted(set(values) - set(self.defaults))
        if unknown:
            raise ValueError(f"unknown config keys: {unknown}; known: {sorted(self.defaults)}")
        with self.tx() as conn:
            for key, value in values.items():
                conn.execute(
                    "insert into config (key, value) values (?, ?) "
                    "on conflict (key) do update set value=excluded.value",
                    (key, json.dumps(value)),
                )
        return self.config()

    # -- tokens ---------------------------------------------------------------------------------
    def issue_token(self, token: str, ttl_seconds: float | None) -> float | None:
        expires_at = None if ttl_seconds is None else time.time() + float(ttl_seconds)
        with self.tx() as conn:
            conn.execute(
                "insert into tokens (token, expires_at, revoked) values (?, ?, 0) "
                "on conflict (token) do update set expires_at=excluded.expires_at, revoked=0",
                (token, expires_at),
            )
        return expires_at

    def check_token(self, token: str) -> str:
        """'ok', 'expired' (known but revoked or past its expiry) or 'invalid'."""
        with self.read() as conn:
            row = conn.execute("select expires_at, revoked from tokens where token=?", (token,)).fetchone()
        if row is None:
            return "invalid"
        expires_at, revoked = row
        if revoked or (expires_at is not None and expires_at <= time.time()):
            return "expired"
        return "ok"

    @staticmethod
    def revoke_all_tokens(conn: sqlite3.Connection) -> None:
        conn.execute("update tokens set revoked=1")

    def restore_static_tokens(self) -> None:
        with self.tx() as conn:
            for token in self.static_tokens:
                conn.execute("update tokens set revoked=0, expires_at=null where token=?", (token,))

    # -- faults ---------------------------------------------------------------------------------
    def add_fault(self, spec: dict) -> dict:
        with self.tx() as conn:
            cur = conn.execute(
                "insert into faults (spec, remaining) values (?, ?)", (json.dumps(spec), spec.get("count"))
            )
            fault_id = cur.lastrowid
        return {"id": fault_id, **spec, "remaining": spec.get("count"), "fired": 0}

    def list_faults(self) -> list[dict]:
        with self.read() as conn:
            rows = conn.execute("select id, spec, remaining, fired from faults order by id").fetchall()
        return [{"id": i, **json.loads(s), "remaining": r, "fired": f} for i, s, r, f in rows]

    def clear_faults(self) -> None:
        with self.tx() as conn:
            conn.execute("delete from faults")

    def take_faults(self, kinds: tuple[str, ...], method: str, path: str, *, first_only: bool = False) -> list[dict]:
        """Fire the active faults of the given kinds that match this request; consume their counts."""
        fired: list[dict] = []
        with self.tx() as conn:
            rows = conn.execute("select id, spec, remaining from faults order by id").fetchall()
            for fault_id, raw, remaining in rows:
                spec = json.loads(raw)
                if spec.get("kind") not in kinds or not fault_matches(spec, method, path):
                    continue
                if remaining is not None and remaining <= 0:
                    continue
                probability = spec.get("probability")
                if probability is not None and random.random() >= float(probability):
                    continue
                if remaining is not None:
                    conn.execute("update faults set remaining=remaining-1, fired=fired+1 where id=?", (fault_id,))
                else:
                    conn.execute("update faults set fired=fired+1 where id=?", (fault_id,))
                fired.append({"id": fault_id, **spec})
                if first_only:
                    break
        return fired

    def peek_faults(self, kind: str, method: str, path: str) -> list[dict]:
        """Active faults of one kind matching this request, without consuming them."""
        return [
            f for f in self.list_faults()
            if f.get("kind") == kind and fault_matches(f, method, path)
            and (f["remaining"] is None or f["remaining"] > 0)
        ]

    def consume_fault(self, fault_id: int) -> None:
        with self.tx() as conn:
            conn.execute(
                "update faults set remaining=case when remaining is null then null else remaining-1 end, "
                "fired=fired+1 where id=?",
                (fault_id,),
            )

    # -- request log ----------------------------------------------------------------------------
    def log_request(self, entry: dict[str, Any]) -> None:
        with self.tx() as conn:
            conn.execute(
                "insert into requests (ts, method, path, query, status, request_bytes, records, fault) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry["ts"], entry["method"], entry["path"], entry.get("query"), entry.get("status"),
                    entry.get("request_bytes"), entry.get("records"), entry.get("fault"),
                ),
            )

    def requests(self) -> list[dict]:
        with self.read() as conn:
            rows = conn.execute(
                "select id, ts, method, path, query, status, request_bytes, records, fault from requests order by id"
            ).fetchall()
        keys = ("id", "ts", "method", "path", "query", "status", "request_bytes", "records", "fault")
        return [dict(zip(keys, row, strict=False)) for row in rows]

    # -- sliding-window rate limit ----------------------------------------------------------------
    def rate_limit_admit(self, max_requests: int, interval_s: float) -> tuple[bool, int, float]:
        """Admit one request into a sliding window. Returns (admitted, remaining, retry_after_s)."""
        now = time.time()
        with self.tx() as conn:
            conn.execute("delete from hits where ts <= ?", (now - interval_s,))
            count, oldest = conn.execute("select count(*), min(ts) from hits").fetchone()
            if count >= max_requests:
                return False, 0, max(0.0, oldest + interval_s - now)
            conn.execute("insert into hits (ts) values (?)", (now,))
            return True, max_requests - count - 1, 0.0


def fault_matches(spec: dict, method: str, path: str) -> bool:
    match = spec.get("match") or {}
    wanted_method = match.get("method")
    if wanted_method and wanted_method.upper() != method.upper():
        return False
    pattern = match.get("path")
    return not pattern or re.search(pattern, path) is not None
