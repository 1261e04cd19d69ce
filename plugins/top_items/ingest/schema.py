"""Create the raw and ops layers (idempotent; every load calls it first)."""

from top_items import sqlfiles


def ensure_schemas(conn) -> None:
    with conn.transaction():
        # Concurrent first runs (a backfill) would race on CREATE ... IF NOT EXISTS.
        conn.execute("select pg_advisory_xact_lock(hashtext('top_items.schema'))")
        sqlfiles.run(conn, "raw/schema.sql")
        sqlfiles.run(conn, "raw/timestamp_check_pg16.sql" if conn.info.server_version >= 160000
                     else "raw/timestamp_check_portable.sql")
        sqlfiles.run(conn, "ops/schema.sql")
        sqlfiles.run(conn, "ops/quality.sql")
