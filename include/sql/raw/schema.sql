-- The raw layer: what the source systems sent, typed, plus what we refused and why.
-- Idempotent: run before every load.
create schema if not exists raw;

create table if not exists raw.stores (
    store_id              text primary key,
    store_name            text not null,
    market_id             text not null,
    license_type          text not null,
    email                 text,
    salesforce_account_id text,
    snapshot_date         date not null,
    source_file           text not null
);

create table if not exists raw.skus (
    sku_id             text primary key,
    name               text not null,
    brand              text,
    category           text,
    is_liquor          boolean not null,
    volume_ml          integer not null,
    season_start_month smallint,
    season_end_month   smallint,
    price              numeric(10, 2),
    snapshot_date      date not null,
    source_file        text not null
);

create table if not exists raw.order_lines (
    order_id      text not null,
    order_date    date not null,
    store_id      text not null,
    sku_id        text not null,
    units         integer not null,
    revenue       numeric(12, 2) not null,
    snapshot_date date not null,
    source_file   text not null,
    primary key (order_id, sku_id)
);

create table if not exists raw.inventory_feed (
    feed_date     date not null,
    store_id      text not null,
    sku_id        text not null,
    remaining_qty integer not null,
    reported_at   timestamptz not null,
    source_file   text not null,
    source_line   integer not null,
    primary key (feed_date, store_id, sku_id)
);

create table if not exists raw.feed_quarantine (
    feed_date   date not null,
    source_file text not null,
    source_line integer not null,
    raw_record  text,
    reason      text not null,
    primary key (feed_date, source_file, source_line)
);

-- raw.is_iso8601_with_offset(text) comes from raw/timestamp_check_pg16.sql or raw/timestamp_check_portable.sql,
-- chosen by the server's version (ingest/schema.py).
