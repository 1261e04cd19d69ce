-- Notices sent to an override's owner (plugins/top_items/override_notices.py): one 'expiring' warning and one
-- 'expired' page per override, ever, whichever run gets there first. Idempotent, run by the setup step.
select pg_advisory_xact_lock(hashtext('top_items.schema'));

create table if not exists ops.override_notices (
    override_id text not null,
    notice      text not null check (notice in ('expiring', 'expired')),
    feed_date   date not null,
    run_id      text,
    owner       text not null,
    sent_at     timestamptz not null default now(),
    primary key (override_id, notice)
);
