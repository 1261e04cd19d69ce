-- Split one feed date's landed lines into typed rows and quarantined rows with their reason.
-- Inputs (temp tables): feed_landing (source_file, seq, line) and feed_files (source_file, header_seq).
-- Set-based: each line is parsed once; no Python per row. Rows in = rows loaded + rows quarantined.
set local work_mem = '256MB';

create temp table feed_classified on commit drop as
with fields as (
    select
        landing.source_file,
        (landing.seq - files.header_seq + 1)::integer as source_line,
        landing.line,
        cardinality(parts.a) as field_count,
        parts.a[1] as store_id,
        parts.a[2] as sku_id,
        parts.a[3] as remaining_qty,
        parts.a[4] as reported_at
    from feed_landing as landing
    inner join feed_files as files on files.source_file = landing.source_file
    -- quotes are dropped before splitting: no feed value may contain a quote or a comma;
    -- offset 0 keeps the split a subquery, computed once per line rather than once per field reference
    cross join lateral (select string_to_array(replace(landing.line, '"', ''), ',') as a offset 0) as parts
    offset 0  -- keeps the fields columns computed once, not re-extracted at every reference in the checks below
)

select
    fields.*,
    case
        when line is null or btrim(line) = '' then 'blank_line'
        when field_count <> 4 then 'wrong_column_count'
        when store_id = '' or sku_id = '' then 'empty_key'
        when remaining_qty !~ '^[0-9]{1,9}$' then case  -- the common case costs one regex
            when remaining_qty ~ '^-[0-9]+$' and remaining_qty !~ '^-0+$' then 'negative_quantity'
            when remaining_qty !~ '^[+-]?[0-9]+$' then 'non_integer_quantity'
            when length(ltrim(ltrim(remaining_qty, '+-'), '0')) > 9 then 'quantity_out_of_range'
        end
        when not raw.is_iso8601_with_offset(reported_at) then 'bad_timestamp'
        when store_id not in (select stores.store_id from raw.stores as stores) then 'unknown_store'
    end as reason
from fields;

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

delete from raw.inventory_feed where feed_date = %(feed_date)s;

delete from raw.feed_quarantine where feed_date = %(feed_date)s;

insert into raw.inventory_feed (feed_date, store_id, sku_id, remaining_qty, reported_at, source_file, source_line)
select %(feed_date)s::date, store_id, sku_id, remaining_qty::integer, reported_at::timestamptz, source_file, source_line
from feed_classified
where reason is null
order by store_id, sku_id;  -- in key order the primary key's index grows at its end: about twice as fast

insert into raw.feed_quarantine (feed_date, source_file, source_line, raw_record, reason)
select %(feed_date)s::date, source_file, source_line, line, reason
from feed_classified
where reason is not null;

analyze raw.inventory_feed;
