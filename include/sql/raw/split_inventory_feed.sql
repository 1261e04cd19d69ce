-- Split one feed date's landed lines into typed rows and quarantined rows with their reason.
-- Inputs (temp tables): feed_landing (source_file, seq, line) and feed_files (source_file, header_seq, store_id:
-- the store the file's name says it reports). Parameters: feed_date and the loader limits of include/sql/vars.yml.
-- Set-based: each line is parsed once; no Python per row. Rows in = rows loaded + rows quarantined.
set local work_mem = '256MB';

create temp table feed_classified on commit drop as
with fields as (
    select
        landing.source_file,
        files.store_id as file_store_id,
        (landing.seq - files.header_seq + 1)::integer as source_line,
        landing.line,
        octet_length(landing.line) > %(max_line_bytes)s as too_long,
        cardinality(parts.a) as field_count,
        parts.a[1] as store_id,
        parts.a[2] as sku_id,
        parts.a[3] as remaining_qty,
        parts.a[4] as reported_at
    from feed_landing as landing
    inner join feed_files as files on files.source_file = landing.source_file
    -- quotes are dropped before splitting: no feed value may contain a quote or a comma; an over-long line is
    -- never split (a 100 MB line costs one length, not an array); offset 0 keeps the split computed once per line
    cross join lateral (
        select case when octet_length(landing.line) <= %(max_line_bytes)s
                    then string_to_array(replace(landing.line, '"', ''), ',') end as a
        offset 0
    ) as parts
    offset 0
),

known_stores as (
    select store_id from raw.stores where snapshot_date = raw.snapshot_in_force('stores', %(feed_date)s::date)
),

known_skus as (
    select sku_id from raw.skus where snapshot_date = raw.snapshot_in_force('skus', %(feed_date)s::date)
),

classified as (
    select
        fields.*,
        case
            when line is null or btrim(line) = '' then 'blank_line'
            when too_long then 'line_too_long'
            -- the loader turns NUL, a bare CR and the COPY framing's own bytes into SUB (\x1a): see ingest/feeds.py
            when strpos(line, chr(26)) > 0 then 'control_character'
            when field_count <> 4 then 'wrong_column_count'
            when fields.store_id = '' or fields.sku_id = '' then 'empty_key'
            when length(fields.store_id) > %(max_id_length)s or length(fields.sku_id) > %(max_id_length)s
                then 'field_too_long'
            when remaining_qty !~ '^[0-9]{1,9}$' then case  -- the common case costs one regex
                when remaining_qty ~ '^-[0-9]+$' and remaining_qty !~ '^-0+$' then 'negative_quantity'
                when remaining_qty !~ '^[+-]?[0-9]+$' then 'non_integer_quantity'
                when length(ltrim(ltrim(remaining_qty, '+-'), '0')) > 9 then 'quantity_out_of_range'
            end
            when not raw.is_iso8601_with_offset(reported_at) then 'bad_timestamp'
            when known_stores.store_id is null then 'unknown_store'
            when fields.store_id <> file_store_id then 'store_mismatch'
            when known_skus.sku_id is null then 'unknown_sku'
        end as reason
    from fields
    left join known_stores on known_stores.store_id = fields.store_id
    left join known_skus on known_skus.sku_id = fields.sku_id
)

select
    classified.source_file,
    classified.file_store_id,
    classified.source_line,
    classified.line,
    classified.too_long,
    classified.store_id,
    classified.sku_id,
    classified.reason,
    case when reason is null then remaining_qty::integer end as qty,
    case when reason is null then reported_at::timestamptz end as ts
from classified;

-- The first occurrence of a key wins; later ones go to quarantine, never silently merged.
update feed_classified
set reason = 'duplicate_key'
from (
    select
        source_file,
        source_line,
        row_number() over (partition by store_id, sku_id order by source_file, source_line) as occurrence
    from feed_classified
    where reason is null
        and (store_id, sku_id) in (
            select store_id, sku_id from feed_classified where reason is null
            group by store_id, sku_id having count(*) > 1
        )
) as repeated
where repeated.occurrence > 1
    and feed_classified.source_file = repeated.source_file
    and feed_classified.source_line = repeated.source_line;

-- A file is stale when it says nothing about the feed day: every timestamp is from before it (a day in any UTC
-- offset, -12:00 to +14:00), or its SKUs and quantities repeat a feed the same store sent on an earlier day
-- (a replay, whatever its bytes, line order or timestamps). Its rows are kept in quarantine as stale_file and the
-- store gets no recommendations that day, like a store without a feed.
create temp table feed_file_status on commit drop as
with per_file as (
    select
        source_file,
        min(file_store_id) as store_id,
        md5(string_agg(sku_id || '=' || qty, ',' order by sku_id)) as fingerprint,
        max(ts) as newest_reported_at
    from feed_classified
    where reason is null
    group by source_file
)

select
    per_file.*,
    case
        when per_file.newest_reported_at < (%(feed_date)s::date - interval '14 hours') at time zone 'UTC'
            then 'every reported_at is before the feed day (newest ' || per_file.newest_reported_at || ')'
        when earlier.feed_date is not null
            then 'the same SKUs and quantities as its feed of ' || earlier.feed_date
    end as stale_because
from per_file
left join lateral (
    select max(fingerprints.feed_date) as feed_date
    from raw.feed_fingerprints as fingerprints
    where fingerprints.store_id = per_file.store_id
        and fingerprints.fingerprint = per_file.fingerprint
        and fingerprints.feed_date < %(feed_date)s::date
) as earlier on true;

update feed_classified
set reason = 'stale_file'
where reason is null
    and source_file in (select source_file from feed_file_status where stale_because is not null);

-- In a fresh file, a row reported outside the feed day's window is refused alone.
update feed_classified
set reason = 'reported_outside_feed_day'
where reason is null
    and (ts < (%(feed_date)s::date - interval '14 hours') at time zone 'UTC'
        or ts >= (%(feed_date)s::date + 1 + interval '12 hours') at time zone 'UTC');

delete from raw.inventory_feed where feed_date = %(feed_date)s;

delete from raw.feed_quarantine where feed_date = %(feed_date)s;

delete from raw.feed_fingerprints where feed_date = %(feed_date)s;

insert into raw.inventory_feed (feed_date, store_id, sku_id, remaining_qty, reported_at, source_file, source_line)
select %(feed_date)s::date, store_id, sku_id, qty, ts, source_file, source_line
from feed_classified
where reason is null
order by store_id, sku_id;  -- in key order the primary key's index grows at its end: about twice as fast

insert into raw.feed_quarantine (feed_date, source_file, source_line, raw_record, reason)
select
    %(feed_date)s::date, source_file, source_line,
    case when too_long then left(line, %(truncated_copy_bytes)s) else line end,
    reason
from feed_classified
where reason is not null;

insert into raw.feed_fingerprints (feed_date, store_id, fingerprint, source_file, stale)
select %(feed_date)s::date, store_id, fingerprint, source_file, stale_because is not null
from feed_file_status;

analyze raw.inventory_feed;
