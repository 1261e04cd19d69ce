"""Create the raw and ops layers (idempotent): the same files the DAG's setup task runs, in one transaction."""

from top_items import settings, sqlfiles


def ensure_schemas(conn) -> None:
    with conn.transaction():
        for path in settings.SETUP_SQL:
            sqlfiles.run(conn, path)
