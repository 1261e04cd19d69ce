-- Last-mile overrides as data (plugins/top_items/overrides.py) and the retailer app's feedback they come from.
-- Idempotent, run by the setup step after raw/schema.sql.
select pg_advisory_xact_lock(hashtext('top_items.schema'));

-- One rule each: suppress a SKU (for a store, a market or a licence type) or pin it (keep it in the top list of
-- the stores in scope while it is eligible). Every override has an owner, a reason and a life: it applies on day D
-- when created <= D < expires, so re-running an old day gives the same answer. Rows are never updated in place;
-- only the feedback loader replaces the rows of the feedback day it reloads.
create table if not exists raw.overrides (
    override_id  text primary key check (override_id ~ '^[A-Za-z0-9][^[:space:]]*$'),
    rule         text not null check (rule in ('suppress', 'pin')),
    sku_id       text not null,
    store_id     text,
    market_id    text,
    license_type text,
    owner        text not null check (btrim(owner) <> ''),
    reason       text not null check (btrim(reason) <> ''),
    created      date not null,
    expires      date not null,
    source       text not null check (source in ('person', 'retailer_feedback')),
    feed_date    date,  -- retailer feedback: the day of the feedback object it came from
    source_file  text,
    recorded_at  timestamptz not null default now(),
    check (num_nonnulls(store_id, market_id, license_type) = 1),  -- exactly one scope
    check (expires > created),
    check ((source = 'retailer_feedback') = (feed_date is not null))
);
create index if not exists overrides_feedback_day on raw.overrides (feed_date) where feed_date is not null;

-- The retailer app's feedback items that loaded (one per store, SKU and day) and the lines refused, with a reason.
create table if not exists raw.retailer_feedback (
    feed_date   date not null,
    store_id    text not null,
    sku_id      text not null,
    reason      text not null,
    source_file text not null,
    source_line integer not null,
    primary key (feed_date, store_id, sku_id)
);

create table if not exists raw.feedback_quarantine (
    feed_date   date not null,
    source_file text not null,
    source_line integer not null,
    raw_record  text,
    reason      text not null,
    primary key (feed_date, source_file, source_line)
);
