"""Read the SQL layer's files and run them statement by statement (psycopg cannot bind several at once)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlparse

from top_items.settings import SQL_DIR


@lru_cache(maxsize=None)
def read(relative_path: str) -> str:
    return (SQL_DIR / relative_path).read_text()


def statements(sql: str) -> list[str]:
    return [stmt for stmt in (s.strip().rstrip(";") for s in sqlparse.split(sql)) if _has_code(stmt)]


def _has_code(stmt: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in stmt.splitlines())


def run(conn, relative_path: str, params: dict[str, Any] | None = None) -> None:
    with conn.cursor() as cur:
        for stmt in statements(read(relative_path)):
            cur.execute(stmt, params if params and "%(" in stmt else None)


def path(relative_path: str) -> Path:
    return SQL_DIR / relative_path
