-- The ops layer: what the pipeline did, so every number in a run summary can be traced.
create schema if not exists ops;

create table if not exists ops.load_audit (
    load_id           bigserial primary key,
    run_id            text,
    dataset           text not null,
    feed_date         date not null,
    source_file       text not null,
    checksum_sha256   text,
    bytes             bigint,
    rows_in           bigint not null default 0,
    rows_loaded       bigint not null default 0,
    rows_quarantined  bigint not null default 0,
    status            text not null,
    error             text,
    expected_columns  text[],
    actual_columns    text[],
    loaded_at         timestamptz not null default now(),
    check (status = 'rejected' or rows_in = rows_loaded + rows_quarantined)
);
create index if not exists load_audit_feed_date on ops.load_audit (feed_date, dataset);
-- loaded: rows went to the table or to quarantine; stale: the file repeats an earlier day (its rows are kept in
-- quarantine); rejected: the object could not be read as the contract says (its audit row says why).
alter table ops.load_audit drop constraint if exists load_audit_status_check;
alter table ops.load_audit add constraint load_audit_status_check check (status in ('loaded', 'stale', 'rejected'));

-- One run per feed date at a time: the run that holds a day's claim is the only one that loads, builds and
-- publishes it (plugins/top_items/claims.py). raw_done: its feeds are loaded and passed the raw gate, so a later
-- day may now be judged against it.
create table if not exists ops.day_claims (
    feed_date  date primary key,
    dag_id     text not null,
    run_id     text not null,
    claimed_at timestamptz not null default now(),
    raw_done   boolean not null default false
);
alter table ops.day_claims add column if not exists raw_done boolean not null default false;

create table if not exists ops.model_runs (
    run_id       text,
    model        text not null,
    feed_date    date,
    materialized text not null,
    row_count    bigint not null,
    duration_s   numeric(10, 3) not null,
    built_at     timestamptz not null default now()
);

-- Reverse ETL (plugins/top_items/activation; ledger.py is the only code that reads or writes these tables).
-- One row per push, dry run or reconcile. baseline: what the volume guard compared with; held_after: what the
-- destination holds after a successful run (the next run's baseline). A run killed without a trace stays
-- 'running' until the consumer's next run closes it as 'abandoned'. The outcome names are ledger.OUTCOMES.
create table if not exists ops.sync_runs (
    sync_run_id        bigserial primary key,
    run_id             text,
    consumer           text not null,
    destination        text not null,
    feed_date          date not null,
    mode               text not null default 'push' check (mode in ('push', 'dry_run', 'reconcile')),
    planned_adds       integer not null default 0,
    planned_changes    integer not null default 0,
    planned_restamps   integer not null default 0,
    planned_removes    integer not null default 0,
    succeeded_adds     integer not null default 0,
    succeeded_changes  integer not null default 0,
    succeeded_restamps integer not null default 0,
    succeeded_removes  integer not null default 0,
    failed_adds        integer not null default 0,
    failed_changes     integer not null default 0,
    failed_restamps    integer not null default 0,
    failed_removes     integer not null default 0,
    records_pushed     integer not null default 0,
    api_calls          integer not null default 0,
    location           text,
    outcome            text not null
        check (outcome in ('running', 'success', 'warning', 'failed', 'skipped', 'blocked', 'abandoned')),
    rejected_rows      integer not null default 0,
    baseline           integer,
    held_after         integer,
    duration_s         numeric(10, 3),
    detail             text,
    started_at         timestamptz not null default now(),
    finished_at        timestamptz
);
create index if not exists sync_runs_consumer on ops.sync_runs (consumer, feed_date);

-- What each destination holds, per consumer and key. row_hash is the hash of the mapped payload the
-- destination last confirmed, stamp fields left out (null: never confirmed); feed_date is the feed date its
-- stamp fields carry; items the elements of its churn_items list (what the volume guard counts churn in);
-- status 'failed' rows are retried by every later run until they succeed.
create table if not exists ops.sync_state (
    consumer        text not null,
    record_key      text not null,
    row_hash        text,
    destination_id  text,
    status          text not null check (status in ('synced', 'failed')),
    failures        integer not null default 0,
    last_operation  text check (last_operation in ('add', 'change', 'restamp', 'remove')),
    last_error      text,
    feed_date       date,
    items           text[],
    sync_run_id     bigint,
    updated_at      timestamptz not null default now(),
    primary key (consumer, record_key)
);
create index if not exists sync_state_failed on ops.sync_state (consumer) where status = 'failed';

create table if not exists ops.sync_errors (
    sync_error_id  bigserial primary key,
    sync_run_id    bigint,
    run_id         text,
    consumer       text not null,
    destination    text not null,
    feed_date      date not null,
    record_key     text not null,
    operation      text not null check (operation in ('add', 'change', 'restamp', 'remove')),
    error_code     text,
    message        text,
    created_at     timestamptz not null default now()
);
create index if not exists sync_errors_consumer on ops.sync_errors (consumer, feed_date);

-- What a person decided about a consumer, with who and why (plugins/top_items/activation/decisions.py is the only
-- code that reads or writes it): a blocked push approved, rejected or left to time out, a bad day taken back, the
-- pushes paused or resumed. feed_date: the day it is about (the blocked day, the day taken back); restored_date:
-- the last good day a take-back published again; sync_run_id: the sync run it led to. A timeout has no person.
create table if not exists ops.consumer_decisions (
    decision_id    bigserial primary key,
    consumer       text not null,
    decision       text not null
        check (decision in ('approve', 'reject', 'timeout', 'take_back', 'pause', 'unpause')),
    feed_date      date,
    restored_date  date,
    run_id         text,
    sync_run_id    bigint,
    decided_by     text check (decided_by is not null or decision = 'timeout'),
    reason         text not null check (btrim(reason) <> ''),
    decided_at     timestamptz not null default now()
);
create index if not exists consumer_decisions_consumer on ops.consumer_decisions (consumer, decision, decision_id);

-- Every object that landed under a feed or reference prefix, as the landing bucket's event notifications told it
-- (plugins/top_items/landing/). Keyed by the object's version (bucket, key, ETag): a message delivered twice, or
-- late, records nothing new. day: the feed date of a feed, the snapshot date of a reference snapshot; store_id: the
-- store a feed reports for.
create table if not exists ops.landings (
    bucket       text not null,
    key          text not null,
    etag         text not null,
    kind         text not null check (kind in ('feed', 'reference')),
    day          date not null,
    store_id     text,
    size_bytes   bigint not null,
    event_time   timestamptz not null,
    sequencer    text,
    recorded_at  timestamptz not null default now(),
    primary key (bucket, key, etag)
);
alter table ops.landings add column if not exists store_id text;  -- tables made before it was recorded
create index if not exists landings_day on ops.landings (kind, day);

-- What the landing side decided about each feed date (top_items/landing/days.py): 'ready' (the day was announced,
-- reason complete or cutoff), 'rerun' (a feed landed after it, within the late window: the day runs again),
-- 'too_late' (a feed landed after the late window: audited and told, never loaded), 'missed_deadline' (the
-- deadline passed before the day was ready: paged, not published). A day is announced ready and misses its
-- deadline once each; the unique index makes a second decision, from a duplicate or a racing clock, a no-op.
create table if not exists ops.day_announcements (
    day          date not null,
    event        text not null check (event in ('ready', 'rerun', 'too_late', 'missed_deadline')),
    reason       text not null,
    expected     integer not null,
    landed       integer not null,
    stores       text[] not null default '{}',  -- the missing stores (ready, missed_deadline), the late ones else
    announced_at timestamptz not null default now()
);
create unique index if not exists day_announcements_once on ops.day_announcements (day, event)
    where event in ('ready', 'missed_deadline');

-- Each consumer's freshness promise, judged at each of its due instants (top_items/activation/freshness.py): kept
-- when a push of the due day (or a later one) had succeeded by then. A miss pages the owner once, unless the
-- owner already heard of that day's incident (paged_as holds that alert's key); a push that later succeeds
-- notes the recovery.
create table if not exists ops.freshness (
    consumer     text not null,
    due_at       timestamptz not null,
    day          date not null,
    kept         boolean not null,
    detail       text,
    paged_as     text,
    judged_at    timestamptz not null default now(),
    recovered_at timestamptz,
    primary key (consumer, due_at)
);
