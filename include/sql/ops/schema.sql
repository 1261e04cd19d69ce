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
    status            text not null check (status in ('loaded', 'rejected')),
    error             text,
    expected_columns  text[],
    actual_columns    text[],
    loaded_at         timestamptz not null default now(),
    check (status = 'rejected' or rows_in = rows_loaded + rows_quarantined)
);
create index if not exists load_audit_feed_date on ops.load_audit (feed_date, dataset);

create table if not exists ops.model_runs (
    run_id       text,
    model        text not null,
    feed_date    date,
    materialized text not null,
    row_count    bigint not null,
    duration_s   numeric(10, 3) not null,
    built_at     timestamptz not null default now()
);

create table if not exists ops.sync_runs (
    sync_run_id        bigserial primary key,
    run_id             text,
    consumer           text not null,
    destination        text not null,
    feed_date          date not null,
    mode               text not null default 'push',
    planned_adds       integer not null default 0,
    planned_changes    integer not null default 0,
    planned_removes    integer not null default 0,
    succeeded_adds     integer not null default 0,
    succeeded_changes  integer not null default 0,
    succeeded_removes  integer not null default 0,
    failed_adds        integer not null default 0,
    failed_changes     integer not null default 0,
    failed_removes     integer not null default 0,
    records_pushed     integer not null default 0,
    api_calls          integer not null default 0,
    location           text,
    outcome            text not null check (outcome in ('success', 'warning', 'failed', 'skipped', 'running')),
    detail             text,
    started_at         timestamptz not null default now(),
    finished_at        timestamptz
);
create index if not exists sync_runs_consumer on ops.sync_runs (consumer, feed_date);
