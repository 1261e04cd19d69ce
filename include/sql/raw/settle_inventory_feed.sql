-- After the split and the key: judge each file whole, write the quarantine, and swap the day's partition in.
-- Inputs: raw.inventory_feed_incoming (keyed), feed_rejected, feed_files, feed_landing (for the quarantined lines).

-- A file is stale when it says nothing about the feed day: every timestamp is from before it (a day in any UTC
-- offset, -12:00 to +14:00), or its SKUs and quantities repeat a feed the same store sent on an earlier day
-- (a replay, whatever its bytes, line order or timestamps). Its rows are kept in quarantine as stale_file and the
-- store gets no recommendations that day, like a store without a feed.
create temp table feed_file_status on commit drop as
with parsed as (
    select source_file, sku_id, remaining_qty as qty, reported_at as ts, true as loaded
    from raw.inventory_feed_incoming
    union all
    select source_file, sku_id, qty, ts, false
    from feed_rejected
    where reason = 'reported_outside_feed_day'
),

per_file as (
    select
        source_file,
        count(*) filter (where loaded) as rows_loaded,
        -- independent of line order, so a shuffled replay matches, and no sort: a count and a sum of hashes
        count(*) || ':' || sum(hashtextextended(sku_id || '=' || qty, 0)) as fingerprint,
        max(ts) as newest_reported_at
    from parsed
    group by source_file
)

select
    files.store_id,
    per_file.*,
    case
        when per_file.newest_reported_at < (%(feed_date)s::date - interval '14 hours') at time zone 'UTC'
            then 'every reported_at is before the feed day (newest ' || per_file.newest_reported_at || ')'
        when earlier.feed_date is not null
            then 'the same SKUs and quantities as its feed of ' || earlier.feed_date
    end as stale_because
from per_file
inner join feed_files as files on files.source_file = per_file.source_file
left join lateral (
    select max(fingerprints.feed_date) as feed_date
    from raw.feed_fingerprints as fingerprints
    where fingerprints.store_id = files.store_id
        and fingerprints.fingerprint = per_file.fingerprint
        and fingerprints.feed_date < %(feed_date)s::date
) as earlier on true;

-- A stale file's rows leave the day whole (found through the key: a file's rows are its store's rows).
with moved as (
    delete from raw.inventory_feed_incoming
    where feed_date = %(feed_date)s::date
        and store_id in (select store_id from feed_file_status where stale_because is not null)
    returning *
)

insert into feed_rejected (source_file, source_line, store_id, sku_id, qty, ts, reason)
select source_file, source_line, store_id, sku_id, remaining_qty, reported_at, 'stale_file'
from moved;

update feed_rejected
set reason = 'stale_file'
where reason = 'reported_outside_feed_day'
    and source_file in (select source_file from feed_file_status where stale_because is not null);

delete from raw.feed_quarantine where feed_date = %(feed_date)s;

delete from raw.feed_fingerprints where feed_date = %(feed_date)s;

insert into raw.feed_quarantine (feed_date, source_file, source_line, raw_record, reason)
select
    %(feed_date)s::date, rejected.source_file, rejected.source_line,
    case when octet_length(landing.line) > %(max_line_bytes)s then left(landing.line, %(truncated_copy_bytes)s)
        else landing.line end,
    rejected.reason
from feed_rejected as rejected
inner join feed_files as files on files.source_file = rejected.source_file
inner join feed_landing as landing on landing.seq = files.header_seq + rejected.source_line - 1;

insert into raw.feed_fingerprints (feed_date, store_id, fingerprint, source_file, stale)
select %(feed_date)s::date, store_id, fingerprint, source_file, stale_because is not null
from feed_file_status;

select raw.attach_feed_day(%(feed_date)s::date)
