-- The raw layer: what the source systems sent, typed, plus what we refused and why.
-- Idempotent: the run's setup step runs it (one transaction, behind one lock: concurrent first runs would race
-- on CREATE ... IF NOT EXISTS).
select pg_advisory_xact_lock(hashtext('top_items.schema'));

create schema if not exists raw;

-- Worlds made before reference history kept one snapshot per table; those tables are a copy of the landing
-- bucket, so they are dropped and the next load rebuilds them as history.
do $$
begin
    if to_regclass('raw.stores') is not null and to_regclass('raw.snapshots') is null then
        drop table if exists raw.stores, raw.skus, raw.order_lines;
    end if;
end
$$;

-- Reference snapshots are history, never replaced: each snapshot_date keeps its own rows, so the models for
-- day D read the snapshot in force on D (raw.snapshot_in_force) and any day can be recomputed exactly.
-- Retention: include/sql/vars.yml reference_retention_days (plugins/top_items/ingest/reference.py prunes).
create table if not exists raw.snapshots (
    table_name      text not null,
    snapshot_date   date not null,
    source_file     text not null,
    checksum_sha256 text not null,
    row_count       bigint not null,
    loaded_at       timestamptz not null default now(),
    primary key (table_name, snapshot_date)
);

create table if not exists raw.stores (
    snapshot_date         date not null,
    store_id              text not null,
    store_name            text not null,
    market_id             text not null,
    license_type          text not null,
    email                 text,
    salesforce_account_id text,
    source_file           text not null,
    primary key (snapshot_date, store_id)
);

create table if not exists raw.skus (
    snapshot_date      date not null,
    sku_id             text not null,
    name               text not null,
    brand              text,
    category           text,
    is_liquor          boolean not null,
    volume_ml          integer not null,
    season_start_month smallint,
    season_end_month   smallint,
    price              numeric(10, 2),
    source_file        text not null,
    primary key (snapshot_date, sku_id)
);

create table if not exists raw.order_lines (
    snapshot_date date not null,
    order_id      text not null,
    order_date    date not null,
    store_id      text not null,
    sku_id        text not null,
    units         integer not null,
    revenue       numeric(12, 2) not null,
    source_file   text not null,
    primary key (snapshot_date, order_id, sku_id)
);

-- The snapshot of a reference table that is in force on a feed date: the newest one loaded on or before it.
create or replace function raw.snapshot_in_force(p_table text, p_feed_date date) returns date
language sql stable parallel safe as $$
    select max(snapshot_date) from raw.snapshots where table_name = p_table and snapshot_date <= p_feed_date
$$;

-- The feed, one partition per feed date (raw.inventory_feed_<yyyymmdd>): a day is loaded into a table of its own,
-- without indexes, keyed in one sort, and swapped in whole (raw.attach_feed_day), so replacing a day deletes no rows
-- and leaves nothing to vacuum. Rows written by hand, not by the loader, land in the default partition.
-- Worlds made before partitioning kept one plain table: it becomes the default partition, as it is.
do $$
begin
    if (select relkind from pg_class where oid = to_regclass('raw.inventory_feed')) = 'r' then
        alter table raw.inventory_feed rename to inventory_feed_default;
        alter table raw.inventory_feed_default rename constraint inventory_feed_pkey to inventory_feed_default_pkey;
    end if;
end
$$;

create table if not exists raw.inventory_feed (
    feed_date     date not null,
    store_id      text not null,
    sku_id        text not null,
    remaining_qty integer not null,
    reported_at   timestamptz not null,
    source_file   text not null,
    source_line   integer not null,
    primary key (feed_date, store_id, sku_id)
) partition by range (feed_date);

do $$
begin
    if to_regclass('raw.inventory_feed_default') is null then
        create table raw.inventory_feed_default partition of raw.inventory_feed default;
    elsif not (select relispartition from pg_class where oid = to_regclass('raw.inventory_feed_default')) then
        alter table raw.inventory_feed attach partition raw.inventory_feed_default default;
    end if;
end
$$;

-- The table the loader fills for day D, beside the feed: the same columns, no index yet, and a check that lets the
-- attach skip its scan. One load at a time builds it (loads go day by day anyway: plugins/top_items/claims.py).
create or replace function raw.begin_feed_day(p_feed_date date) returns void
language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('raw.inventory_feed_incoming'));
    execute format('create table raw.inventory_feed_incoming (like raw.inventory_feed including defaults, '
                   'check (feed_date = %L))', p_feed_date);
end
$$;

-- Swap the loader's raw.inventory_feed_incoming in as day D's partition: the day's old partition (and any of its
-- rows in the default partition) goes, in the loader's transaction, so readers see the old day or the new one.
create or replace function raw.attach_feed_day(p_feed_date date) returns void
language plpgsql as $$
declare
    partition_name text := 'inventory_feed_' || to_char(p_feed_date, 'YYYYMMDD');
begin
    execute format('drop table if exists raw.%I', partition_name);
    delete from raw.inventory_feed_default where feed_date = p_feed_date;
    execute format('alter table raw.inventory_feed_incoming rename to %I', partition_name);
    execute format('alter index raw.inventory_feed_incoming_pkey rename to %I', partition_name || '_pkey');
    execute format('alter table raw.inventory_feed attach partition raw.%I for values from (%L) to (%L)',
                   partition_name, p_feed_date, p_feed_date + 1);
    execute format('analyze raw.%I', partition_name);
end
$$;

create table if not exists raw.feed_quarantine (
    feed_date   date not null,
    source_file text not null,
    source_line integer not null,
    raw_record  text,
    reason      text not null,
    primary key (feed_date, source_file, source_line)
);

-- What each store's file held, as (SKU, quantity) pairs, per day: a file whose content repeats an earlier day's
-- of the same store is a replay (stale), whatever its timestamps or line order say.
create table if not exists raw.feed_fingerprints (
    feed_date   date not null,
    store_id    text not null,
    fingerprint text not null,
    source_file text not null,
    stale       boolean not null,
    primary key (feed_date, store_id)
);
create index if not exists feed_fingerprints_lookup on raw.feed_fingerprints (store_id, fingerprint);
