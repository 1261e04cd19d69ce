"""Read one consumer's export for a feed date, streamed: the only query an exporter ever runs."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from top_items.registry import Consumer


def export_rows(conn, consumer: Consumer, feed_date: str, *, batch: int = 5000) -> Iterator[dict]:
    schema, table = consumer.export.split(".")
    order = sql.SQL(", ").join(map(sql.Identifier, consumer.key))
    query = sql.SQL("select * from {} where feed_date = %s order by {}").format(sql.Identifier(schema, table), order)
    with conn.transaction(), conn.cursor(name=f"export_{consumer.name}") as cur:
        cur.itersize = batch
        cur.execute(query, (feed_date,))
        columns = None
        for row in cur:
            columns = columns or [c.name for c in cur.description]
            yield dict(zip(columns, row, strict=False))
